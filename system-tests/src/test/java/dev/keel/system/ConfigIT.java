package dev.keel.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Configuration as deployments get it: config-server over a Git repository (a copy of config-repo/ that
 * the test commits to), an encryption key, an account per application, and services that reload live. The
 * class leaves config-repo as it found it.
 */
@Order(4)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfigIT {

	/** Generous: a slow machine reloads slowly; the README's figures come from the benchmark. */
	private static final Duration RELOAD_DEADLINE = Duration.ofSeconds(90);

	@RegisterExtension
	static final Platform platform = Platform.platform;

	private static final Http gateway = platform.gatewayAs("alice");

	private static final ConfigRepository repository = platform.configRepository();

	private static final Http configServer = new Http("http://127.0.0.1:" + Platform.CONFIG_PORT);

	/** The three products with the most stock: earlier system tests share the database. */
	private static List<String> skus;

	@BeforeAll
	static void wellStockedProducts() {
		skus = platform.mostStockedSkus(3);
	}

	/** config-repo as it was: later classes run on it. */
	@AfterAll
	static void restoreConfigRepo() {
		repository.restore("order-service.yml");
		repository.restore("gateway-service.yml");
		repository.restore("user-service-broken.yml");
		repository.commit("Back to config-repo as it is");
		await().atMost(RELOAD_DEADLINE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			for (int replica = 1; replica <= Platform.GATEWAYS; replica++) {
				assertThat(platform.instanceAs("gateway-service", replica, "alice").get("/api/v1/users/0")
					.header("RateLimit-Limit")).as("users route, gateway %d", replica).isEqualTo("200");
			}
			for (int replica = 1; replica <= Platform.REPLICAS; replica++) {
				assertThat(property(platform.management("order-service", replica), "orders.max-lines-per-order"))
					.isEqualTo("50");
			}
		});
	}

	@Test
	@Order(1)
	void precedenceIsAsDocumented() {
		assertThat(probe("a")).as("<service>-<profile> beats everything in config-repo").isEqualTo("user-service-dev");
		assertThat(probe("b")).as("application-<profile> beats <service>").isEqualTo("application-dev");
		assertThat(probe("c")).as("<service> beats application").isEqualTo("user-service");
		assertThat(probe("d")).as("an environment variable beats config-repo").isEqualTo("environment");
		assertThat(probe("e")).as("the later profile in SPRING_PROFILES_ACTIVE=local,dev wins").isEqualTo("dev");
	}

	@Test
	@Order(2)
	void cipherValuesArriveDecrypted() {
		assertThat(probe("secret")).isEqualTo("decrypted-with-the-key");
	}

	@Test
	@Order(3)
	void eachApplicationReadsItsOwnConfigurationWithItsOwnAccount() {
		String users = platform.configServerPassword("user-service");
		assertThat(configServer.get("/user-service/local,dev").status()).isEqualTo(401);
		assertThat(configServer("/user-service/local,dev", "user-service", "guess").status()).isEqualTo(401);
		assertThat(configServer("/user-service/local,dev", "user-service", users).status()).isEqualTo(200);
		assertThat(configServer("/application/prod", "user-service", users).status()).isEqualTo(200);
		assertThat(configServer("/order-service/prod", "user-service", users).status())
			.as("user-service's credentials, order-service's secrets").isEqualTo(403);
		assertThat(configServer("/user-service,order-service/prod", "user-service", users).status()).isEqualTo(403);
		assertThat(configServer("/order-service-prod.yml", "user-service", users).status()).isEqualTo(403);
		assertThat(configServer.send(HttpRequest.newBuilder(URI.create(configServer.base() + "/encrypt"))
			.header("Authorization", basic("user-service", users))
			.POST(HttpRequest.BodyPublishers.ofString("x"))).status()).as("clients may not encrypt").isEqualTo(403);
		assertThat(configServer.get("/actuator/health/readiness").status()).isEqualTo(200);
	}

	@Test
	@Order(4)
	void aCommittedChangeReachesRunningServicesWhileRequestsGoOn() {
		long userId = gateway.post("/api/v1/users", "{\"email\":\"cfg-%s@example.com\",\"name\":\"Config\"}"
			.formatted(UUID.randomUUID())).json().get("id").asLong();
		// A load one core carries while both gateways rebuild their routes and order-service refreshes beside it (at
		// 30 GET/s and 5 orders/s, twelve JVMs on one core saturated it and user-service's database connections
		// timed out): this is about losing no request during a reload, not about capacity.
		try (Load reads = Load.start("GET users", 10, Set.of(200),
				() -> platform.get("/api/v1/users/" + userId, "10.4.0.1"));
				Load writes = Load.start("POST orders", 2, Set.of(201), (tick) -> platform.post("/api/v1/orders",
						"{\"userId\":%d,\"items\":[{\"sku\":\"%s\",\"quantity\":1}]}".formatted(userId,
								skus.get((int) (tick % skus.size()))),
						"10.4.0.2"))) {
			reads.awaitAnswers(30);

			repository.replace("order-service.yml", "max-lines-per-order: 50", "max-lines-per-order: 2");
			repository.replace("gateway-service.yml", "burst-capacity: 200", "burst-capacity: 123");
			repository.commit("Tighter limits");

			await().atMost(RELOAD_DEADLINE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				Http.Response refused = gateway.post("/api/v1/orders", threeLines(userId));
				assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
				assertThat(refused.json().get("limit").asInt()).isEqualTo(2);
			});
			await().atMost(RELOAD_DEADLINE).pollInterval(Duration.ofMillis(200))
				.untilAsserted(() -> assertThat(platform.gatewaysRateLimit("/api/v1/users/" + userId)).containsOnly("123"));
			reads.awaitAnswers(60);
		}
		for (int replica = 1; replica <= Platform.REPLICAS; replica++) {
			String metrics = new Http(platform.management("order-service", replica)).get("/actuator/prometheus").raw().body();
			assertThat(metrics).as("the connection pool survived the refresh").contains("pool=\"HikariPool-1\"")
				.doesNotContain("HikariPool-2");
			assertThat(metrics).as("what config-server serves is applied: no refresh pending")
				.containsPattern("keel_config_pending\\{[^}]*} 0\\.0");
		}
	}

	@Test
	@Order(5)
	void servicesKeepTheirConfigurationWhileConfigServerIsDownAndCatchUpWhenItReturns() {
		assertThat(platform.run(60, "kill", "config-server").exitCode()).isZero();
		repository.replace("order-service.yml", "max-lines-per-order: 2", "max-lines-per-order: 3");
		repository.commit("While config-server is down");

		long userId = gateway.post("/api/v1/users", "{\"email\":\"down-%s@example.com\",\"name\":\"Down\"}"
			.formatted(UUID.randomUUID())).json().get("id").asLong();
		Http.Response stillTwo = gateway.post("/api/v1/orders", threeLines(userId));
		assertThat(stillTwo.status()).as(stillTwo.toString()).isEqualTo(422);
		assertThat(stillTwo.json().get("limit").asInt()).isEqualTo(2);

		assertThat(platform.run(600, "restart", "config-server").exitCode()).isZero();
		await().atMost(RELOAD_DEADLINE).pollInterval(Duration.ofMillis(200))
			.untilAsserted(() -> assertThat(gateway.post("/api/v1/orders", threeLines(userId)).status()).isEqualTo(201));
	}

	@Test
	@Order(6)
	void aServiceRefusesToStartOnASecretThatDidNotDecrypt() throws Exception {
		// Encrypted with another key than config-server's.
		String wrong = repository.encrypt("other-key-" + UUID.randomUUID(), "s3cr3t");
		repository.write("user-service-broken.yml", "spring:\n  datasource:\n    password: '" + wrong + "'\n");
		repository.commit("A secret for another key");
		// config-server fetches the repository every few seconds: start the service once it serves the commit.
		await().atMost(RELOAD_DEADLINE).pollInterval(Duration.ofMillis(200))
			.until(() -> configServer("/user-service/local,dev,broken", "user-service",
					platform.configServerPassword("user-service")).raw().body()
				.contains("invalid.spring.datasource.password"));

		Run run = startUserService("local,dev,broken", Platform.CONFIG_PORT, Map.of());

		assertThat(run.exitCode()).as(run.output()).isNotZero();
		assertThat(run.output()).contains("could not be decrypted").contains("spring.datasource.password");
	}

	@Test
	@Order(7)
	void aServiceWaitsForConfigServerThenRefusesToStartWithoutIt() throws Exception {
		long start = System.nanoTime();
		// Four attempts instead of eight, to keep the test short: waits of 1, 1.5 and 2.25 s between them.
		Run run = startUserService("local,dev", closedPort(), Map.of("SPRING_CLOUD_CONFIG_RETRY_MAX_ATTEMPTS", "4"));

		assertThat(run.exitCode()).as(run.output()).isNotZero();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).as("retried with backoff before giving up")
			.isGreaterThan(Duration.ofMillis(4750));
		assertThat(run.output()).contains("Could not locate PropertySource");
	}

	private static String probe(String name) {
		return property(platform.management("user-service", 1), "keel.probe." + name);
	}

	/** A property as a running instance resolves it ({@code /actuator/env}, local run only). */
	private static String property(String management, String name) {
		Http.Response response = new Http(management).get("/actuator/env/" + name);
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		return response.json().get("property").get("value").asString();
	}

	private static Http.Response configServer(String path, String user, String password) {
		return configServer.send(HttpRequest.newBuilder(URI.create(configServer.base() + path))
			.header("Authorization", basic(user, password)));
	}

	private static String threeLines(long userId) {
		return "{\"userId\":%d,\"items\":[{\"sku\":\"%s\",\"quantity\":1},{\"sku\":\"%s\",\"quantity\":1},{\"sku\":\"%s\",\"quantity\":1}]}"
			.formatted(userId, skus.get(0), skus.get(1), skus.get(2));
	}

	private static Run startUserService(String profiles, int configPort, Map<String, String> environment)
			throws Exception {
		ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-jar", Platform.jar("user-service").toString())
			.redirectErrorStream(true);
		builder.environment().put("SPRING_PROFILES_ACTIVE", profiles);
		builder.environment().put("CONFIG_SERVER_URL", "http://127.0.0.1:" + configPort);
		builder.environment().put("CONFIG_SERVER_PASSWORD", platform.configServerPassword("user-service"));
		builder.environment().put("DB_PORT", String.valueOf(Platform.DB_PORT));
		builder.environment().put("PORT", String.valueOf(closedPort()));
		builder.environment().put("MANAGEMENT_PORT", String.valueOf(closedPort()));
		builder.environment().putAll(environment);
		Path output = Files.createTempFile("user-service-", ".log");
		builder.redirectOutput(output.toFile());
		Process process = builder.start();
		if (!process.waitFor(300, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
		String text = Files.readString(output);
		Files.delete(output);
		return new Run(process.isAlive() ? -1 : process.exitValue(), text);
	}

	private static String basic(String user, String password) {
		return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
	}

	private static int closedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	record Run(int exitCode, String output) {
	}

}
