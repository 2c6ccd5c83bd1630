package dev.keel.platform.test;

import dev.keel.localdb.EmbeddedMariaDb;

/**
 * The one embedded MariaDB of a test JVM, started on first use and stopped when the JVM exits, so that all
 * test classes (and all cached Spring contexts) share it.
 */
public final class SharedEmbeddedMariaDb {

	private static EmbeddedMariaDb server;

	private SharedEmbeddedMariaDb() {
	}

	public static synchronized EmbeddedMariaDb get() {
		if (server == null) {
			server = EmbeddedMariaDb.start(0, null, EmbeddedMariaDb.PLATFORM_DATABASES);
			Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-mariadb-shutdown"));
		}
		return server;
	}

}
