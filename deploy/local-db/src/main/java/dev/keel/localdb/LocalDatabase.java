package dev.keel.localdb;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The database process of {@code ./platform up}: starts the embedded server with the platform's databases
 * and keeps it running until the process is told to stop (SIGTERM/SIGINT), then shuts MariaDB down cleanly
 * so that no committed data is lost.
 */
public final class LocalDatabase {

	/** The launcher waits for this line before it starts the services. */
	static final String READY_MARKER = "keel local database ready";

	private LocalDatabase() {
	}

	public static void main(String[] args) throws InterruptedException {
		int port = Integer.parseInt(env("KEEL_DB_PORT", "3307"));
		Path home = Path.of(env("KEEL_DB_HOME", ".platform/mariadb")).toAbsolutePath();
		EmbeddedMariaDb server = EmbeddedMariaDb.start(port, home, EmbeddedMariaDb.PLATFORM_DATABASES);
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			server.close();
			stopped.countDown();
		}, "local-db-shutdown"));
		System.out.printf("%s on port %d (data in %s)%n", READY_MARKER, server.port(), home.resolve("data"));
		stopped.await();
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value == null || value.isBlank()) ? fallback : value;
	}

}
