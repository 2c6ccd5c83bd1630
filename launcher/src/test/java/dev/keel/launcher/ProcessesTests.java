package dev.keel.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real processes, started the way the launcher starts every instance: found by their pid file, found without it,
 * never confused with another state directory's, and stopped.
 */
class ProcessesTests {

	@TempDir
	Path root;

	private Processes processes;

	private ProcessHandle started;

	@AfterEach
	void leaveNothingRunning() {
		if (this.started != null) {
			this.started.destroyForcibly();
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
	void aPidFileOfAProcessThatIsNotTheInstanceIsNotBelieved() throws Exception {
		Settings settings = Settings.from(this.root, Map.of());
		this.processes = new Processes(settings);
		Files.createDirectories(settings.run());
		// A recycled pid: the current process is alive, but no instance of this directory.
		Files.writeString(settings.run().resolve("order-service-1.pid"), String.valueOf(ProcessHandle.current().pid()));

		assertThat(this.processes.running(new Instance("order-service", 1))).isEmpty();
	}

	/** A JVM that waits to be stopped, as an instance would. */
	private static List<String> sleeper() {
		return List.of("-cp", System.getProperty("java.class.path"), Sleeper.class.getName());
	}

	static final class Sleeper {

		public static void main(String[] args) throws InterruptedException {
			Thread.currentThread().join();
		}

	}

}
