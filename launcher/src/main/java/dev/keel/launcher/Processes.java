package dev.keel.launcher;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

	/** The nice value a replacement boots at. */
	static final int YIELDING_NICENESS = 10;

	/**
	 * Starts the instance's JVM in the background, output appended to its log (emptied first), and records its pid.
	 */
	ProcessHandle launch(Instance instance, List<String> javaArguments, Map<String, String> environment) {
		return launch(instance, javaArguments, environment, false);
	}

	/**
	 * As above; {@code yielding}: at a lower CPU priority ({@code nice -n 10}, where there is a nice command), for a
	 * replacement that boots while other instances serve: a JVM's start-up is seconds of CPU on every core it can
	 * get, and on a small or busy machine it would take them from the instances answering requests.
	 */
	ProcessHandle launch(Instance instance, List<String> javaArguments, Map<String, String> environment,
			boolean yielding) {
		List<String> command = new ArrayList<>();
		command.add(java());
		command.add(STATE_MARKER + this.settings.state());
		command.add(INSTANCE_MARKER + instance.name());
		command.addAll(javaArguments);
		return run(instance, command, environment, yielding);
	}

	/**
	 * Starts a program that is not a JVM (the edge's Nginx) the same way. It cannot carry the markers on its
	 * command line, so it is known by its pid and start time alone.
	 */
	ProcessHandle launchProgram(Instance instance, List<String> command, Map<String, String> environment) {
		return run(instance, command, environment, false);
	}

	private ProcessHandle run(Instance instance, List<String> program, Map<String, String> environment,
			boolean yielding) {
		try {
			Files.createDirectories(this.settings.run());
			Files.createDirectories(this.settings.logs());
			Path log = log(instance);
			try {
				// A new file, so that a follower (logs -f) sees the restart and reads the old one to its end.
				Files.deleteIfExists(log);
			}
			catch (FileSystemException ex) {
				// Held open by a follower where that forbids deleting (Windows): emptied instead.
				Files.newOutputStream(log, StandardOpenOption.TRUNCATE_EXISTING).close();
			}
			List<String> command = new ArrayList<>();
			// A session of its own where the OS offers it: the process (mariadbd included) survives the terminal.
			if (isOnPath("setsid")) {
				command.add("setsid");
			}
			if (yielding && isOnPath("nice")) {
				command.addAll(List.of("nice", "-n", String.valueOf(YIELDING_NICENESS)));
			}
			command.addAll(program);
			ProcessBuilder builder = new ProcessBuilder(command).directory(this.settings.root().toFile())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.redirectInput(ProcessBuilder.Redirect.from(new File(isWindows() ? "NUL" : "/dev/null")));
			builder.environment().putAll(environment);
			Process process = builder.start();
			writePid(instance, process.toHandle());
			return process.toHandle();
		}
		catch (IOException ex) {
			throw new LauncherException("could not start " + instance + ": " + ex.getMessage());
		}
	}

	/** The running process of an instance, if its pid file names one that is still this instance. */
	Optional<ProcessHandle> running(Instance instance) {
		return record(instance).flatMap((record) -> ProcessHandle.of(Long.parseLong(record[0]))
			.filter((process) -> isInstance(process, instance, (record.length > 1) ? record[1] : null)));
	}

	/** The java command of the JDK the launcher runs on, which every JVM it starts runs on too. */
	static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	/** The pid an instance's file records, alive or not. */
	Optional<Long> pid(Instance instance) {
		return record(instance).map((record) -> Long.parseLong(record[0]));
	}

	/** The pid file's fields: the pid and, where the OS tells it, when that process started. */
	private Optional<String[]> record(Instance instance) {
		try {
			Path file = pidFile(instance);
			if (!Files.exists(file)) {
				return Optional.empty();
			}
			String[] record = Files.readString(file).strip().split("\\s+");
			Long.parseLong(record[0]);
			return Optional.of(record);
		}
		catch (IOException | NumberFormatException ex) {
			return Optional.empty();
		}
	}

	/**
	 * When the process started: with the pid, what tells it from a later process given the same pid, where the
	 * OS does not show other processes' command lines (Windows).
	 */
	private static Optional<String> startedAt(ProcessHandle process) {
		return process.info().startInstant().map((instant) -> String.valueOf(instant.toEpochMilli()));
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

	/**
	 * A signal by name (STOP, CONT) to the process and everything it started, through the system's kill command:
	 * Java sends only TERM and KILL.
	 */
	void signal(ProcessHandle process, String signal) {
		List<String> command = new ArrayList<>(List.of("kill", "-" + signal, String.valueOf(process.pid())));
		process.descendants().forEach((child) -> command.add(String.valueOf(child.pid())));
		try {
			Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(kill.getInputStream().readAllBytes()).trim();
			if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new LauncherException("kill -" + signal + " " + process.pid() + " failed: " + output);
			}
		}
		catch (IOException ex) {
			throw new LauncherException("signals other than KILL need a kill command (Unix only): " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted while sending SIG" + signal);
		}
	}

	/**
	 * Back to normal CPU priority, once it serves. Raising a priority needs privileges (root, CAP_SYS_NICE or a
	 * high enough RLIMIT_NICE on Linux; root on macOS): without them the process keeps the lower one, which the
	 * caller is told. On Linux a nice value belongs to each thread and {@code renice -p} sets the threads it
	 * names: every thread the JVM has is named, and named again if one started meanwhile. The value is given
	 * positionally, which sets it with util-linux and BSD alike ({@code -n} adds to it on BSD).
	 */
	boolean normalPriority(ProcessHandle process) {
		if (!isOnPath("renice")) {
			return false;
		}
		if (!Files.isDirectory(Path.of("/proc", String.valueOf(process.pid()), "task"))) {
			// No threads to read (macOS): renice's word for it.
			return renice(List.of(String.valueOf(process.pid())));
		}
		for (int round = 0; round < 3; round++) {
			List<String> niced = threads(process).stream().filter((thread) -> niceness(process, thread) != 0).toList();
			if (niced.isEmpty()) {
				return true;
			}
			// Its exit status says nothing when a thread ended meanwhile: what /proc says next round does.
			renice(niced);
		}
		return threads(process).stream().allMatch((thread) -> niceness(process, thread) == 0);
	}

	private static boolean renice(List<String> ids) {
		List<String> command = new ArrayList<>(List.of("renice", "0", "-p"));
		command.addAll(ids);
		try {
			Process renice = new ProcessBuilder(command).redirectErrorStream(true).start();
			renice.getInputStream().readAllBytes();
			return renice.waitFor(10, TimeUnit.SECONDS) && renice.exitValue() == 0;
		}
		catch (IOException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * A thread's nice value from /proc (the 19th field of its stat, after the name in parentheses); 0 where it
	 * cannot be read (a thread that ended, a system without /proc: renice decides there).
	 */
	private static int niceness(ProcessHandle process, String thread) {
		try {
			String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "task", thread, "stat"));
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			return Integer.parseInt(fields[16]);
		}
		catch (IOException | RuntimeException ex) {
			return 0;
		}
	}

	/** The ids of the process's threads where /proc lists them (Linux), else the process id alone. */
	static List<String> threads(ProcessHandle process) {
		Path tasks = Path.of("/proc", String.valueOf(process.pid()), "task");
		if (!Files.isDirectory(tasks)) {
			return List.of(String.valueOf(process.pid()));
		}
		try (Stream<Path> listed = Files.list(tasks)) {
			List<String> ids = listed.map((task) -> task.getFileName().toString()).toList();
			return ids.isEmpty() ? List.of(String.valueOf(process.pid())) : ids;
		}
		catch (IOException ex) {
			return List.of(String.valueOf(process.pid()));
		}
	}

	/** SIGKILL, as a crash would: the process and everything it started. */
	void kill(ProcessHandle process) {
		process.descendants().forEach(ProcessHandle::destroyForcibly);
		process.destroyForcibly();
		waitFor(process, Duration.ofSeconds(10));
	}

	/**
	 * Processes of this state directory that no pid file accounts for: left by a launcher that crashed or was
	 * interrupted between starting them and recording them, started by another copy of the launcher, or outliving
	 * the process that started them (a mariadbd whose database JVM was killed). Ours are those marked on their
	 * command line, and the database server unpacked in the state directory ({@code mariadb/}); never this
	 * launcher or what started it.
	 */
	List<ProcessHandle> orphans(List<Instance> known) {
		Set<Long> accounted = new HashSet<>();
		known.stream().map(this::running).flatMap(Optional::stream).forEach((process) -> {
			accounted.add(process.pid());
			process.descendants().forEach((descendant) -> accounted.add(descendant.pid()));
		});
		for (Optional<ProcessHandle> self = Optional.of(ProcessHandle.current()); self.isPresent();
				self = self.get().parent()) {
			accounted.add(self.get().pid());
		}
		String marker = STATE_MARKER + this.settings.state();
		Optional<Path> database = realPath(this.settings.state().resolve("mariadb"));
		try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
			return all.filter((process) -> !accounted.contains(process.pid()))
				.filter((process) -> process.info().arguments().map(List::of).orElse(List.of()).contains(marker)
						|| database.isPresent() && isDatabaseServerIn(process, database.get()))
				.toList();
		}
	}

	/** A mariadbd whose program is in this directory (not the mariadb client a user or a benchmark runs). */
	private static boolean isDatabaseServerIn(ProcessHandle process, Path directory) {
		return process.info()
			.command()
			.flatMap(Processes::path)
			.filter(Path::isAbsolute)
			.filter((command) -> command.getFileName().toString().equals("mariadbd"))
			.flatMap(Processes::realPath)
			.filter((command) -> command.startsWith(directory))
			.isPresent();
	}

	private static Optional<Path> path(String command) {
		try {
			return Optional.of(Path.of(command));
		}
		catch (InvalidPathException ex) {
			return Optional.empty();
		}
	}

	private static Optional<Path> realPath(Path path) {
		try {
			return Optional.of(path.toRealPath());
		}
		catch (IOException | RuntimeException ex) {
			return Optional.empty();
		}
	}

	/** The instance an orphan says it is, from its command line, or else its program's name. */
	static String instanceOf(ProcessHandle process) {
		return process.info()
			.arguments()
			.stream()
			.flatMap(Stream::of)
			.filter((argument) -> argument.startsWith(INSTANCE_MARKER))
			.map((argument) -> argument.substring(INSTANCE_MARKER.length()))
			.findFirst()
			.or(() -> process.info().command().flatMap(Processes::path).map((command) -> String.valueOf(command.getFileName())))
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

	private void writePid(Instance instance, ProcessHandle process) throws IOException {
		Path temporary = Files.createTempFile(this.settings.run(), instance.fileName(), ".tmp");
		Files.writeString(temporary, process.pid() + startedAt(process).map((started) -> " " + started).orElse(""));
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

	/**
	 * Whether the process is the one the launcher started for this instance (pids are recycled): by the markers on
	 * its command line; where the OS does not show it (Windows), by when it started. Start times are compared only
	 * there: on Linux they shift with the wall clock (an NTP step, a resumed VM).
	 */
	private boolean isInstance(ProcessHandle process, Instance instance, String recordedStart) {
		if (instance.equals(Instance.EDGE)) {
			return isEdge(process).orElseGet(
					() -> recordedStart != null && startedAt(process).map(recordedStart::equals).orElse(false));
		}
		return isInstance(process.info().arguments().map(List::of), startedAt(process), recordedStart,
				STATE_MARKER + this.settings.state(), INSTANCE_MARKER + instance.name());
	}

	/**
	 * Whether the process is this state directory's edge. Nginx writes its process title over its command line
	 * ("nginx: master process /usr/sbin/nginx -p DIR/ -c ..."), which Java then reads as no arguments; where /proc
	 * shows the title (Linux), the edge's directory in it tells; elsewhere, empty.
	 */
	Optional<Boolean> isEdge(ProcessHandle process) {
		Path title = Path.of("/proc", String.valueOf(process.pid()), "cmdline");
		try {
			if (!Files.isReadable(title)) {
				return Optional.empty();
			}
			String text = Files.readString(title).replace('\0', ' ');
			String directory = " -p " + this.settings.state().resolve("edge") + "/ ";
			// Before Nginx has set its title (reading its configuration), the command line is still its own.
			return text.startsWith("nginx: master process ") ? Optional.of(text.contains(directory))
					: text.contains(directory) ? Optional.of(true) : Optional.empty();
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	static boolean isInstance(Optional<List<String>> arguments, Optional<String> started, String recordedStart,
			String stateMarker, String instanceMarker) {
		if (arguments.isEmpty()) {
			return recordedStart == null || started.map(recordedStart::equals).orElse(true);
		}
		return arguments.get().contains(stateMarker) && arguments.get().contains(instanceMarker);
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

	/** The project's Maven wrapper, which every Maven run of the launcher uses. */
	static String mavenWrapper(Path root) {
		return root.resolve(isWindows() ? "mvnw.cmd" : "mvnw").toString();
	}

	static boolean isOnPath(String program) {
		String path = System.getenv("PATH");
		return path != null && Stream.of(path.split(File.pathSeparator))
			.anyMatch((directory) -> Files.isExecutable(Path.of(directory, program)));
	}

}
