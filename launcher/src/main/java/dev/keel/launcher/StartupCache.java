package dev.keel.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What makes an application's JVM start fast, prepared once per build of its jar and used by every start of it.
 * <ul>
 * <li>The jar extracted (Spring Boot's {@code tools} jar mode): classes load from plain jars on the class path
 * rather than from jars nested in the executable one.</li>
 * <li>A class archive from a training run: the extracted application started with an instance's environment and
 * stopped once its context is refreshed ({@code spring.context.exit=onRefresh}: no port bound, nothing registered).
 * The JVM keeps the classes it loaded, parsed and verified: on JDK 25 and later as an AOT cache (JEP 483, made in one
 * run as JEP 514 allows), before that as a dynamic CDS archive.</li>
 * </ul>
 * The training run needs what the context needs to refresh (config-server, the database), so it runs where the
 * module's first instance starts, after those. An archive is valid only for the class path, JDK build and JVM
 * options it was made with: the cache is keyed by all three, and a new build, JDK or {@code KEEL_JAVA_OPTS} makes
 * another. Whatever fails here costs speed, never a start: without an archive the instance starts from the
 * extracted jar, without an extracted jar from the built one. {@code KEEL_CLASS_ARCHIVES=off} keeps to the extracted
 * jar: for a platform started once after a build, where the training runs cost more than the archives save.
 */
final class StartupCache {

	/** Beside each cache: what it was made from. */
	private static final String SOURCE_FILE = "source.properties";

	/** Beside a cache whose training run failed: why. Deleting it makes the next start train again. */
	private static final String TRAINING_FAILED = "training-failed";

	private final Settings settings;

	private final Console console;

	/**
	 * One preparation per module at a time in this launcher (replicas start together); a file lock keeps other
	 * launchers ({@code restart} while {@code up} runs) out as well. A JVM cannot take a file lock twice.
	 */
	private final Map<String, Object> locks = new ConcurrentHashMap<>();

	/**
	 * Caches whose extraction or training outlasted the ready timeout in this launcher's run: not tried again by the
	 * next replica or by a restart's start, which would wait as long again.
	 */
	private final Set<Path> timedOut = ConcurrentHashMap.newKeySet();

	StartupCache(Settings settings, Console console) {
		this.settings = settings;
		this.console = console;
	}

	/** How an instance of a module starts: with its archive's option, if it has one, from the jar. */
	record Start(Optional<String> archive, Path jar) {

		List<String> arguments() {
			List<String> arguments = new ArrayList<>();
			this.archive.ifPresent(arguments::add);
			arguments.add("-jar");
			arguments.add(this.jar.toString());
			return arguments;
		}

	}

	/**
	 * How the module starts, from its cache, made first if there is none for this jar, JDK and options.
	 * @param environment an instance's environment, which the training run starts with
	 * @param yielding whether instances serve meanwhile: the training run then takes the CPU at a lower priority,
	 * as a replacement instance does
	 */
	Start prepare(String module, Path jar, Map<String, String> environment, boolean yielding) {
		Path caches = this.settings.state().resolve("apps").resolve(module);
		synchronized (this.locks.computeIfAbsent(module, (name) -> new Object())) {
			try {
				Files.createDirectories(caches);
				try (FileChannel channel = FileChannel.open(caches.resolve(".lock"), StandardOpenOption.CREATE,
						StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
					return prepare(module, jar, caches, environment, yielding);
				}
			}
			catch (IOException | UncheckedIOException | LauncherException ex) {
				if (Thread.currentThread().isInterrupted()) {
					throw new LauncherException("interrupted");
				}
				this.console.say("  " + module + " starts from its built jar: its start-up cache could not be made in "
						+ caches + " (" + ex.getMessage() + ")");
				return new Start(Optional.empty(), jar);
			}
		}
	}

	private Start prepare(String module, Path jar, Path caches, Map<String, String> environment, boolean yielding)
			throws IOException {
		String source = source(jar, this.settings.javaOptions(), System.getenv());
		Path directory = caches.resolve(key(source));
		if (!source.equals(read(directory.resolve(SOURCE_FILE)))) {
			if (this.timedOut.contains(directory) || !extract(module, jar, directory, source)) {
				return new Start(Optional.empty(), jar);
			}
			prune(caches, directory);
		}
		int jdk = Runtime.version().feature();
		Path archive = directory.resolve(archiveName(jdk));
		Path extracted = directory.resolve(jar.getFileName());
		if (!Files.isRegularFile(extracted)) {
			return new Start(Optional.empty(), jar);
		}
		if (!this.settings.classArchives()) {
			return new Start(Optional.empty(), extracted);
		}
		if (!Files.exists(archive) && !Files.exists(directory.resolve(TRAINING_FAILED))
				&& !this.timedOut.contains(directory)) {
			train(module, extracted, archive, isolated(caches, environment), yielding);
		}
		return new Start(Files.exists(archive) ? Optional.of(useArchive(jdk, archive)) : Optional.empty(), extracted);
	}

	/**
	 * How long the module takes, started this way, to refresh its context and stop: its start-up, without binding
	 * ports or joining the platform.
	 */
	Duration timeToRefresh(String module, List<String> arguments, Map<String, String> environment) {
		List<String> command = new ArrayList<>(List.of(Processes.java()));
		command.addAll(this.settings.javaOptions());
		command.add("-Dspring.context.exit=onRefresh");
		command.addAll(arguments);
		Path log = this.settings.logs().resolve(module + "-startup-benchmark.log");
		long start = System.nanoTime();
		int exit = run(command, isolated(this.settings.state().resolve("apps").resolve(module), environment), log,
				this.settings.readyTimeout(), false);
		if (exit != 0) {
			throw new LauncherException(module + " exited " + exit + " before its context was refreshed; see " + log);
		}
		return Duration.ofNanos(System.nanoTime() - start);
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
	 * What a cache is made from: the jar (path, size, time), the JDK's exact build, and the JVM options, from the
	 * launcher's settings and from the variables every JVM reads (an AOT cache is refused by a JVM with another
	 * collector).
	 */
	static String source(Path jar, List<String> javaOptions, Map<String, String> environment) throws IOException {
		return "jar=" + jar.toAbsolutePath() + "\nsize=" + Files.size(jar) + "\nmodified="
				+ Files.getLastModifiedTime(jar).toMillis() + "\njava=" + System.getProperty("java.home") + " "
				+ Runtime.version() + "\noptions=" + String.join(" ", javaOptions) + "\nJAVA_TOOL_OPTIONS="
				+ environment.getOrDefault("JAVA_TOOL_OPTIONS", "") + "\nJDK_JAVA_OPTIONS="
				+ environment.getOrDefault("JDK_JAVA_OPTIONS", "") + "\n";
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

	/** Extracts the jar into the cache's directory; false, having said so, when it could not. */
	private boolean extract(String module, Path jar, Path directory, String source) throws IOException {
		long start = System.nanoTime();
		Path fresh = Files.createTempDirectory(directory.getParent(), directory.getFileName() + ".new-");
		Path log = this.settings.logs().resolve(module + "-extract.log");
		try {
			// --force: the temporary directory exists, empty.
			int exit = run(List.of(Processes.java(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--force",
					"--destination", fresh.toString()), Map.of(), log, this.settings.readyTimeout(), false);
			// The tools jar mode reports some failures and exits 0 all the same: the jar is what says it worked.
			if (exit != 0 || !Files.isRegularFile(fresh.resolve(jar.getFileName()))) {
				this.console.say("  " + module + " starts from its built jar: extracting it " + ((exit != 0)
						? "exited " + exit : "made no jar") + " (see " + log + ")");
				return false;
			}
			Files.writeString(fresh.resolve(SOURCE_FILE), source);
			FileTrees.delete(directory);
			Files.move(fresh, directory, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (TimedOut ex) {
			this.timedOut.add(directory);
			this.console.say("  " + module + " starts from its built jar: extracting it took too long (" + ex.getMessage()
					+ ")");
			return false;
		}
		finally {
			if (Files.exists(fresh)) {
				FileTrees.delete(fresh);
			}
		}
		this.console.ready(module + " extracted in " + Console.seconds(Duration.ofNanos(System.nanoTime() - start)));
		return true;
	}

	/**
	 * Deletes the module's other caches that no running process uses (a rolling restart after a build leaves the
	 * instances not yet restarted on the one before), and what an interrupted extraction left.
	 */
	private void prune(Path caches, Path keep) throws IOException {
		List<Path> others;
		try (Stream<Path> children = Files.list(caches)) {
			others = children.filter((child) -> Files.isDirectory(child) && !child.equals(keep))
				.filter((child) -> child.getFileName().toString().contains(".new-")
						|| Files.exists(child.resolve(SOURCE_FILE)))
				.toList();
		}
		for (Path other : others) {
			if (!inUse(other)) {
				try {
					FileTrees.delete(other);
				}
				catch (IOException ex) {
					this.console.say("  could not delete the old start-up cache " + other + ": " + ex.getMessage());
				}
			}
		}
	}

	/** Whether a process runs with something from the directory on its command line. */
	private static boolean inUse(Path directory) {
		String path = directory.toString();
		return ProcessHandle.allProcesses().anyMatch((process) -> commandLine(process).contains(path));
	}

	/**
	 * A process's command line: on Linux read whole from /proc, since the JDK gives no arguments at all for a
	 * command line longer than a page.
	 */
	private static String commandLine(ProcessHandle process) {
		Path proc = Path.of("/proc", String.valueOf(process.pid()), "cmdline");
		try {
			if (Files.isReadable(proc)) {
				return Files.readString(proc, StandardCharsets.ISO_8859_1);
			}
		}
		catch (IOException ex) {
			return ""; // gone meanwhile
		}
		return process.info().arguments().map((arguments) -> String.join(" ", arguments)).orElse("");
	}

	private void train(String module, Path extracted, Path archive, Map<String, String> environment, boolean yielding)
			throws IOException {
		long start = System.nanoTime();
		this.console.step(module + ": a training run makes its class archive (once per build)");
		Path written = archive.resolveSibling(archive.getFileName() + ".new");
		Files.deleteIfExists(written);
		List<String> command = new ArrayList<>(List.of(Processes.java()));
		command.addAll(this.settings.javaOptions());
		Path log = this.settings.logs().resolve(module + "-training.log");
		command.add(writeArchive(Runtime.version().feature(), written));
		// Beside its log rather than in the project's directory, where a JVM that crashes writes by default.
		command.add("-XX:ErrorFile=" + log.resolveSibling(module + "-training-hs_err.log"));
		command.add("-Dspring.context.exit=onRefresh");
		command.add("-jar");
		command.add(extracted.toString());
		String failure;
		try {
			int exit = run(command, environment, log, this.settings.readyTimeout(), yielding);
			failure = (exit != 0) ? "the training run exited " + exit
					: !Files.exists(written) ? "the training run wrote no archive" : null;
		}
		catch (TimedOut ex) {
			// Likely a busy machine rather than this build: the next run of the launcher tries again.
			this.timedOut.add(archive.getParent());
			this.console.say("  " + module + " starts without a class archive: " + ex.getMessage() + " (see " + log + ")");
			return;
		}
		if (failure != null) {
			Files.writeString(archive.resolveSibling(TRAINING_FAILED), failure + "; see " + log + "\n");
			this.console.say("  " + module + " starts without a class archive: " + failure + " (see " + log
					+ "; the next build, or deleting " + archive.resolveSibling(TRAINING_FAILED) + ", tries again)");
			return;
		}
		Files.move(written, archive, StandardCopyOption.ATOMIC_MOVE);
		this.console.ready(module + " class archive made in " + Console.seconds(Duration.ofNanos(System.nanoTime() - start)));
	}

	/**
	 * The instance's environment with a Git clone of its own (config-server): config-server wipes and clones
	 * {@code CONFIG_REPO_CLONE_DIR} when it starts, and the running one reads it.
	 */
	private static Map<String, String> isolated(Path caches, Map<String, String> environment) {
		if (!environment.containsKey("CONFIG_REPO_CLONE_DIR")) {
			return environment;
		}
		Map<String, String> isolated = new HashMap<>(environment);
		isolated.put("CONFIG_REPO_CLONE_DIR", caches.resolve("config-clone").toString());
		return isolated;
	}

	/** Runs a JVM to its end, in the project's directory, output to the log; its exit code. */
	private int run(List<String> command, Map<String, String> environment, Path log, Duration timeout,
			boolean yielding) {
		List<String> program = new ArrayList<>();
		if (yielding && Processes.isOnPath("nice")) {
			program.addAll(List.of("nice", "-n", String.valueOf(Processes.YIELDING_NICENESS)));
		}
		program.addAll(command);
		Process process = null;
		try {
			Files.createDirectories(log.getParent());
			ProcessBuilder builder = new ProcessBuilder(program).directory(this.settings.root().toFile())
				.redirectErrorStream(true)
				.redirectOutput(log.toFile());
			builder.environment().putAll(environment);
			process = builder.start();
			process.getOutputStream().close();
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				stop(process);
				throw new TimedOut("it did not finish within " + timeout.toSeconds() + "s");
			}
			return process.exitValue();
		}
		catch (IOException ex) {
			throw new LauncherException("could not run " + String.join(" ", command.subList(0, 2)) + ": " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			// The launcher gives up (another start failed): nothing of this run may outlive it.
			if (process != null) {
				process.descendants().forEach(ProcessHandle::destroyForcibly);
				process.destroyForcibly();
			}
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted");
		}
	}

	private static void stop(Process process) throws InterruptedException {
		process.descendants().forEach(ProcessHandle::destroyForcibly);
		process.destroyForcibly().waitFor();
	}

	private static String read(Path file) throws IOException {
		return Files.exists(file) ? Files.readString(file) : "";
	}

	/** A run that outlasted its time and was stopped. */
	private static final class TimedOut extends LauncherException {

		TimedOut(String message) {
			super(message);
		}

	}

}
