package dev.keel.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What makes a service's JVM start fast, prepared once per build of its jar and used by every start of it:
 * <ul>
 * <li>the jar extracted (Spring Boot's {@code tools} jar mode): classes load from plain jars on the class path
 * rather than from jars nested in the executable one;</li>
 * <li>a class archive from a training run: the extracted application started with the instance's environment and
 * stopped once its context is refreshed ({@code spring.context.exit=onRefresh}), its classes written out loaded,
 * parsed and verified: on JDK 25 and later an AOT cache (JEP 483, made in one step as JEP 514 allows), before
 * that a dynamic CDS archive.</li>
 * </ul>
 * The training run needs what the application's context needs to refresh (config-server, the database), so it runs
 * where the first instance of the module starts, after those. Without an archive (a training run that failed) the
 * instance starts from the extracted jar all the same; JVM options change with {@code KEEL_JAVA_OPTS}, a JDK or a
 * jar that differs from the one the cache was made with makes it anew. On the development machine (2 cores,
 * JDK 17, order-service to context refresh): 19–21 s from the executable jar, 14.6 s extracted, 10 s with the
 * archive; JDK 25: 17.7 s extracted, 8–9 s with the AOT cache. {@code ./platform bench startup} measures them
 * side by side.
 */
final class StartupCache {

	/** Beside the cache: what it was made from. */
	private static final String SOURCE_FILE = "source.properties";

	private final Settings settings;

	private final Console console;

	/** One preparation per module at a time: replicas of a module start together. */
	private final Map<String, Object> locks = new ConcurrentHashMap<>();

	StartupCache(Settings settings, Console console) {
		this.settings = settings;
		this.console = console;
	}

	/** Where the caches live: a directory per module, and in it one per jar, JDK and options. */
	Path root() {
		return this.settings.state().resolve("apps");
	}

	/**
	 * The JVM arguments that start the module from its cache, made first if there is none for this jar, JDK and
	 * options: its archive option where there is an archive, then {@code -jar} and the extracted jar.
	 */
	List<String> arguments(String module, Path jar, Map<String, String> environment) {
		synchronized (this.locks.computeIfAbsent(module, (name) -> new Object())) {
			String source = source(jar, this.settings.javaOptions());
			Path directory = root().resolve(module).resolve(key(source));
			if (!source.equals(read(directory.resolve(SOURCE_FILE)))) {
				extract(module, jar, directory, source);
			}
			Path extracted = directory.resolve(jar.getFileName());
			Path archive = directory.resolve(archiveName(Runtime.version().feature()));
			if (!Files.exists(archive) && !Files.exists(directory.resolve("training-failed"))) {
				train(module, extracted, archive, environment);
			}
			List<String> arguments = new ArrayList<>();
			if (Files.exists(archive)) {
				arguments.add(useArchive(Runtime.version().feature(), archive));
			}
			arguments.add("-jar");
			arguments.add(extracted.toString());
			return arguments;
		}
	}

	/** The archive's file name: the AOT cache where the JDK has one (25+), a CDS archive before. */
	static String archiveName(int jdkFeature) {
		return (jdkFeature >= 25) ? "app.aot" : "app.jsa";
	}

	/** The option a training run writes the archive with. */
	static String writeArchive(int jdkFeature, Path archive) {
		return ((jdkFeature >= 25) ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=") + archive;
	}

	/** The option a start uses the archive with. */
	static String useArchive(int jdkFeature, Path archive) {
		return ((jdkFeature >= 25) ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive;
	}

	/**
	 * What a cache is made from: the jar (path, size, time), the JDK's exact build (an archive is valid for that one
	 * only) and the JVM options (an AOT cache is refused by a JVM with another collector).
	 */
	static String source(Path jar, List<String> javaOptions) {
		try {
			return "jar=" + jar.toAbsolutePath() + "\nsize=" + Files.size(jar) + "\nmodified="
					+ Files.getLastModifiedTime(jar).toMillis() + "\njava=" + System.getProperty("java.home") + " "
					+ Runtime.version() + "\noptions=" + String.join(" ", javaOptions) + "\n";
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Extracts the jar into a directory of its own, then deletes the module's other caches but the newest: an
	 * instance that started from that one (the one not yet restarted in a rolling restart) may still read it.
	 */
	private void extract(String module, Path jar, Path directory, String source) {
		long start = System.nanoTime();
		Path fresh = directory.resolveSibling(directory.getFileName() + ".new");
		delete(fresh);
		run(List.of(java(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination", fresh.toString()),
				Map.of(), this.settings.logs().resolve(module + "-extract.log"), Duration.ofMinutes(2));
		write(fresh.resolve(SOURCE_FILE), source);
		delete(directory);
		try {
			Files.move(fresh, directory, StandardCopyOption.ATOMIC_MOVE);
			try (Stream<Path> caches = Files.list(directory.getParent())) {
				caches.filter((cache) -> !cache.equals(directory))
					.sorted(Comparator.comparing(StartupCache::modified).reversed())
					.skip(1)
					.forEach(StartupCache::delete);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.console.ready(module + " extracted in " + Console.seconds(Duration.ofNanos(System.nanoTime() - start)));
	}

	/** A short name for what a cache is made from. */
	static String key(String source) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest, 0, 6);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex); // every JDK has SHA-256
		}
	}

	private static FileTime modified(Path file) {
		try {
			return Files.getLastModifiedTime(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void train(String module, Path extracted, Path archive, Map<String, String> environment) {
		long start = System.nanoTime();
		this.console.step(module + ": a training run makes its class archive (once per build)");
		Path written = archive.resolveSibling(archive.getFileName() + ".new");
		List<String> command = new ArrayList<>(List.of(java()));
		command.addAll(this.settings.javaOptions());
		command.add(writeArchive(Runtime.version().feature(), written));
		command.add("-Dspring.context.exit=onRefresh");
		command.add("-jar");
		command.add(extracted.toString());
		Path log = this.settings.logs().resolve(module + "-training.log");
		try {
			run(command, environment, log, this.settings.readyTimeout());
			Files.move(written, archive, StandardCopyOption.ATOMIC_MOVE);
			this.console.ready(module + " class archive made in "
					+ Console.seconds(Duration.ofNanos(System.nanoTime() - start)));
		}
		catch (LauncherException | IOException ex) {
			// Not worth a failed start: the instance starts without the archive, as slowly as before.
			write(archive.resolveSibling("training-failed"), ex.getMessage() + "\n");
			this.console.say("  " + module + " starts without a class archive: " + ex.getMessage() + " (see " + log
					+ "; made again after the next build)");
		}
	}

	/**
	 * How long the module takes, started with the given arguments ({@code -jar} and what comes with it), to refresh
	 * its context and stop: its start-up, without binding ports or joining the platform.
	 */
	Duration timeToRefresh(String module, List<String> arguments, Map<String, String> environment) {
		List<String> command = new ArrayList<>(List.of(java()));
		command.addAll(this.settings.javaOptions());
		command.add("-Dspring.context.exit=onRefresh");
		command.addAll(arguments);
		long start = System.nanoTime();
		run(command, environment, this.settings.logs().resolve(module + "-startup-benchmark.log"),
				this.settings.readyTimeout());
		return Duration.ofNanos(System.nanoTime() - start);
	}

	private static void run(List<String> command, Map<String, String> environment, Path log, Duration timeout) {
		try {
			Files.createDirectories(log.getParent());
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
			builder.environment().putAll(environment);
			Process process = builder.start();
			try {
				if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
					throw new LauncherException(command.get(command.size() - 1) + " did not finish within "
							+ timeout.toSeconds() + "s");
				}
			}
			finally {
				process.descendants().forEach(ProcessHandle::destroyForcibly);
				process.destroyForcibly();
			}
			if (process.exitValue() != 0) {
				throw new LauncherException("exited " + process.exitValue());
			}
		}
		catch (IOException ex) {
			throw new LauncherException("could not run java: " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted");
		}
	}

	private static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	private static String read(Path file) {
		try {
			return Files.exists(file) ? Files.readString(file) : "";
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void write(Path file, String content) {
		try {
			Files.writeString(file, content);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void delete(Path directory) {
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> files = Files.walk(directory)) {
			for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(file);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
