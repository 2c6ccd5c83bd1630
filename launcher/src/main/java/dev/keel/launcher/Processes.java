package dev.keel.launcher;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The processes of a state directory: started detached (they outlive the launcher and its terminal), each with
 * a pid file and a log, and marked on their command line so that they are found even without the pid file (a
 * launcher that crashed between starting one and writing its file) and never confused with an unrelated
 * process that got a recycled pid.
 */
final class Processes {

	/** On every command line the launcher starts: the state directory it belongs to. */
	static final String STATE_MARKER = "-Dkeel.launcher.state=";

	/** And the instance it is. */
	static final String INSTANCE_MARKER = "-Dkeel.launcher.instance=";

	private final Settings settings;

	Processes(Settings settings) {
		this.settings = settings;
	}

	/**
	 * Starts the instance's JVM in the background, output appended to its log (emptied first), and records its pid.
	 */
	ProcessHandle launch(Instance instance, List<String> javaArguments, Map<String, String> environment) {
		try {
			Files.createDirectories(this.settings.run());
			Files.createDirectories(this.settings.logs());
			Path log = log(instance);
			Files.deleteIfExists(log);
			List<String> command = new ArrayList<>();
			// A session of its own where the OS offers it: the process (mariadbd included) survives the terminal.
			if (isOnPath("setsid")) {
				command.add("setsid");
			}
			command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
			command.add(STATE_MARKER + this.settings.state());
			command.add(INSTANCE_MARKER + instance.name());
			command.addAll(javaArguments);
			ProcessBuilder builder = new ProcessBuilder(command).directory(this.settings.root().toFile())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.redirectInput(ProcessBuilder.Redirect.from(new File(isWindows() ? "NUL" : "/dev/null")));
			builder.environment().putAll(environment);
			Process process = builder.start();
			writePid(instance, process.pid());
			return process.toHandle();
		}
		catch (IOException ex) {
			throw new LauncherException("could not start " + instance + ": " + ex.getMessage());
		}
	}

	/** The running process of an instance, if its pid file names one that is still this instance. */
	Optional<ProcessHandle> running(Instance instance) {
		return pid(instance).flatMap(ProcessHandle::of).filter((process) -> isInstance(process, instance));
	}

	/** The pid an instance's file records, alive or not. */
	Optional<Long> pid(Instance instance) {
		try {
			Path file = pidFile(instance);
			return Files.exists(file) ? Optional.of(Long.parseLong(Files.readString(file).strip())) : Optional.empty();
		}
		catch (IOException | NumberFormatException ex) {
			return Optional.empty();
		}
	}

	/**
	 * Stops an instance: SIGTERM, so that it drains and shuts down in order, then SIGKILL for it and what it
	 * started if it takes longer than the stop timeout. Its pid file goes either way.
	 * @return whether it had to be killed
	 */
	boolean stop(Instance instance) {
		boolean killed = running(instance).map(this::stop).orElse(false);
		deletePid(instance);
		return killed;
	}

	boolean stop(ProcessHandle process) {
		List<ProcessHandle> descendants = process.descendants().toList();
		process.destroy();
		boolean stopped = waitFor(process, this.settings.stopTimeout());
		descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
		if (!stopped) {
			process.destroyForcibly();
			waitFor(process, Duration.ofSeconds(10));
		}
		return !stopped;
	}

	/** SIGKILL, as a crash would: the process and everything it started. */
	void kill(ProcessHandle process) {
		process.descendants().forEach(ProcessHandle::destroyForcibly);
		process.destroyForcibly();
		waitFor(process, Duration.ofSeconds(10));
	}

	/**
	 * Processes of this state directory that no pid file accounts for: left by a launcher that crashed or was
	 * interrupted between starting them and recording them, or started by another copy of the launcher.
	 */
	List<ProcessHandle> orphans(List<Instance> known) {
		List<Long> tracked = known.stream().map(this::running).flatMap(Optional::stream).map(ProcessHandle::pid).toList();
		String marker = STATE_MARKER + this.settings.state();
		try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
			return all.filter((process) -> !tracked.contains(process.pid()))
				.filter((process) -> process.info().arguments().map(List::of).orElse(List.of()).contains(marker))
				.toList();
		}
	}

	/** The instance an orphan says it is, from its command line. */
	static String instanceOf(ProcessHandle process) {
		return process.info()
			.arguments()
			.stream()
			.flatMap(Stream::of)
			.filter((argument) -> argument.startsWith(INSTANCE_MARKER))
			.map((argument) -> argument.substring(INSTANCE_MARKER.length()))
			.findFirst()
			.orElse("?");
	}

	/** Resident memory of the process and what it started (the database's JVM and mariadbd), in KiB. */
	static Optional<Long> residentKib(ProcessHandle process) {
		List<String> pids = Stream.concat(Stream.of(process), process.descendants()).map((p) -> String.valueOf(p.pid())).toList();
		try {
			Process ps = new ProcessBuilder("ps", "-o", "rss=", "-p", String.join(",", pids)).redirectErrorStream(true).start();
			String output = new String(ps.getInputStream().readAllBytes());
			ps.waitFor(10, TimeUnit.SECONDS);
			return Optional.of(output.lines().map(String::strip).filter((line) -> line.matches("\\d+")).mapToLong(Long::parseLong).sum());
		}
		catch (IOException ex) {
			return Optional.empty();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Optional.empty();
		}
	}

	Path log(Instance instance) {
		return this.settings.logs().resolve(instance.fileName() + ".log");
	}

	private Path pidFile(Instance instance) {
		return this.settings.run().resolve(instance.fileName() + ".pid");
	}

	private void writePid(Instance instance, long pid) throws IOException {
		Path temporary = Files.createTempFile(this.settings.run(), instance.fileName(), ".tmp");
		Files.writeString(temporary, String.valueOf(pid));
		Files.move(temporary, pidFile(instance), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	void deletePid(Instance instance) {
		try {
			Files.deleteIfExists(pidFile(instance));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Whether the process is the one the launcher started for this instance (pids are recycled). */
	private boolean isInstance(ProcessHandle process, Instance instance) {
		List<String> arguments = process.info().arguments().map(List::of).orElse(null);
		// Where the OS tells nothing of other processes' arguments, the pid file is all there is to go by.
		return arguments == null || (arguments.contains(STATE_MARKER + this.settings.state())
				&& arguments.contains(INSTANCE_MARKER + instance.name()));
	}

	private static boolean waitFor(ProcessHandle process, Duration timeout) {
		try {
			process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			return true;
		}
		catch (java.util.concurrent.TimeoutException ex) {
			return false;
		}
		catch (java.util.concurrent.ExecutionException ex) {
			return !process.isAlive();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return !process.isAlive();
		}
	}

	static boolean isWindows() {
		return System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
	}

	static boolean isOnPath(String program) {
		String path = System.getenv("PATH");
		return path != null && Stream.of(path.split(File.pathSeparator))
			.anyMatch((directory) -> Files.isExecutable(Path.of(directory, program)));
	}

}
