package dev.keel.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real processes, started the way the launcher starts every instance: found by their pid file, found without it,
 * never confused with another state directory's, and stopped.
 */
class ProcessesTests {

	@TempDir
	Path root;

	private Processes processes;

	private ProcessHandle started;

	private ProcessHandle child;

	@AfterEach
	void leaveNothingRunning() {
		for (ProcessHandle process : new ProcessHandle[] { this.started, this.child }) {
			if (process != null) {
				process.destroyForcibly();
			}
		}
	}

	@Test
	void anInstanceIsFoundByItsPidFileAndWithoutItAndStopped() throws Exception {
		Settings settings = Settings.from(this.root, Map.of("KEEL_STOP_TIMEOUT", "30"));
		this.processes = new Processes(settings);
		Instance instance = new Instance("user-service", 1);

		this.started = this.processes.launch(instance, sleeper(), Map.of());

		assertThat(this.processes.running(instance)).map(ProcessHandle::pid).contains(this.started.pid());
		assertThat(this.processes.orphans(List.of(instance))).isEmpty();
		Processes another = new Processes(Settings.from(this.root.resolve("other"), Map.of()));
		assertThat(another.running(instance)).as("another state directory's").isEmpty();

		this.processes.deletePid(instance);
		assertThat(this.processes.orphans(List.of(instance))).as("a launcher crashed before recording it")
			.extracting(ProcessHandle::pid)
			.containsExactly(this.started.pid());
		assertThat(Processes.instanceOf(this.started)).isEqualTo("user-service#1");

		assertThat(this.processes.stop(this.started)).as("stopped by SIGTERM, not killed").isFalse();
		assertThat(this.started.isAlive()).isFalse();
		assertThat(this.processes.orphans(List.of(instance))).isEmpty();
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void aPausedInstanceIsStoppedNotGoneUntilItIsResumed() throws Exception {
		this.processes = new Processes(Settings.from(this.root, Map.of("KEEL_STOP_TIMEOUT", "30")));
		this.started = this.processes.launch(new Instance("user-service", 1), sleeper(), Map.of());

		this.processes.signal(this.started, "STOP");
		await().atMost(Duration.ofSeconds(30)).until(() -> state(this.started).equals("T"));
		assertThat(this.started.isAlive()).isTrue();

		this.processes.signal(this.started, "CONT");
		await().atMost(Duration.ofSeconds(30)).until(() -> !state(this.started).equals("T"));
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void aReplacementBootsAtALowerPriorityAndGetsTheNormalOneBackIfAllowed() throws Exception {
		this.processes = new Processes(Settings.from(this.root, Map.of("KEEL_STOP_TIMEOUT", "30")));
		this.started = this.processes.launch(new Instance("user-service", 1), sleeper(), Map.of(), true);
		await().atMost(Duration.ofSeconds(30)).until(() -> niceness(this.started) == Processes.YIELDING_NICENESS);

		assertThat(Processes.threads(this.started)).as("a JVM's threads").hasSizeGreaterThan(1);

		boolean raised = this.processes.normalPriority(this.started);

		// Raising a priority takes root or CAP_SYS_NICE: without them the process keeps the lower one. On Linux
		// each thread has its own: all of them.
		for (String thread : Processes.threads(this.started)) {
			assertThat(niceness(Path.of("/proc", String.valueOf(this.started.pid()), "task", thread, "stat")))
				.as("thread " + thread)
				.isEqualTo(raised ? 0 : Processes.YIELDING_NICENESS);
		}
	}

	private static int niceness(ProcessHandle process) throws java.io.IOException {
		return niceness(Path.of("/proc", String.valueOf(process.pid()), "stat"));
	}

	/** The nice value in a /proc stat file (its 19th field). */
	private static int niceness(Path stat) throws java.io.IOException {
		String line = Files.readString(stat);
		String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
		return Integer.parseInt(fields[16]);
	}

	/** The process's state letter in /proc (T: stopped). */
	private static String state(ProcessHandle process) throws java.io.IOException {
		String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
		return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
	}

	@Test
	@DisabledOnOs(OS.WINDOWS)
	void whatAnInstanceStartedIsItsUntilTheInstanceDiesThenAnOrphanThatDownStops() throws Exception {
		Settings settings = Settings.from(this.root, Map.of("KEEL_STOP_TIMEOUT", "30"));
		this.processes = new Processes(settings);
		Instance db = Instance.DB;
		// What the database JVM does: start a server program unpacked in the state directory.
		Path server = settings.state().resolve("mariadb/base/bin/mariadbd");
		Files.createDirectories(server.getParent());
		Files.copy(Path.of("/bin/sleep"), server, StandardCopyOption.COPY_ATTRIBUTES);
		List<String> arguments = new ArrayList<>(sleeper());
		arguments.addAll(List.of(server.toString(), "600"));
		this.started = this.processes.launch(db, arguments, Map.of());
		await().atMost(Duration.ofSeconds(30)).until(() -> this.started.descendants().findAny().isPresent());
		ProcessHandle child = this.started.descendants().findFirst().orElseThrow();
		this.child = child;

		assertThat(this.processes.orphans(List.of(db))).as("accounted for by the instance that started it").isEmpty();

		this.started.destroyForcibly();
		this.started.onExit().get(30, TimeUnit.SECONDS);

		assertThat(this.processes.orphans(List.of(db))).extracting(ProcessHandle::pid).containsExactly(child.pid());
		assertThat(Processes.instanceOf(child)).isEqualTo("mariadbd");
		this.processes.stop(child);
		assertThat(child.isAlive()).isFalse();
	}

	@Test
	void aPidFileOfAProcessThatIsNotTheInstanceIsNotBelieved() throws Exception {
		Settings settings = Settings.from(this.root, Map.of());
		this.processes = new Processes(settings);
		Files.createDirectories(settings.run());
		// A recycled pid: the current process is alive, but no instance of this directory.
		Files.writeString(settings.run().resolve("order-service-1.pid"), String.valueOf(ProcessHandle.current().pid()));

		assertThat(this.processes.running(new Instance("order-service", 1))).isEmpty();
	}

	@Test
	void whereCommandLinesAreHiddenTheStartTimeTellsARecycledPidApartAndOnlyThere() {
		List<String> ours = List.of("java", "-Dkeel.launcher.state=/s", "-Dkeel.launcher.instance=user-service#1");

		// Windows: no command line to read.
		assertThat(Processes.isInstance(Optional.empty(), Optional.of("1000"), "1000", "-Dkeel.launcher.state=/s",
				"-Dkeel.launcher.instance=user-service#1")).isTrue();
		assertThat(Processes.isInstance(Optional.empty(), Optional.of("2000"), "1000", "-Dkeel.launcher.state=/s",
				"-Dkeel.launcher.instance=user-service#1")).as("another process with the same pid").isFalse();
		// Linux and macOS: the markers decide; a start time that moved with the wall clock (an NTP step) does not.
		assertThat(Processes.isInstance(Optional.of(ours), Optional.of("2000"), "1000", "-Dkeel.launcher.state=/s",
				"-Dkeel.launcher.instance=user-service#1")).isTrue();
		assertThat(Processes.isInstance(Optional.of(ours), Optional.of("1000"), "1000", "-Dkeel.launcher.state=/other",
				"-Dkeel.launcher.instance=user-service#1")).isFalse();
	}

	@Test
	void aLiveInstanceIsFoundWhateverStartTimeItsPidFileRecords() throws Exception {
		Settings settings = Settings.from(this.root, Map.of());
		this.processes = new Processes(settings);
		Instance instance = new Instance("order-service", 1);
		this.started = this.processes.launch(instance, sleeper(), Map.of());

		Files.writeString(settings.run().resolve("order-service-1.pid"), this.started.pid() + " 1");

		assertThat(this.processes.running(instance)).map(ProcessHandle::pid).contains(this.started.pid());
	}

	/** A JVM that waits to be stopped, as an instance would. */
	private static List<String> sleeper() {
		return List.of("-cp", System.getProperty("java.class.path"), Sleeper.class.getName());
	}

	static final class Sleeper {

		/** With arguments: a command to start first, as the database JVM starts mariadbd. */
		public static void main(String[] args) throws Exception {
			if (args.length > 0) {
				new ProcessBuilder(args).start();
			}
			Thread.currentThread().join();
		}

	}

}
