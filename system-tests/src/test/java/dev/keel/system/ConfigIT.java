package dev.keel.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Configuration as deployments get it: config-server over a Git repository (a copy of config-repo/ that
 * the test commits to), an encryption key, credentials, and services that reload live.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfigIT {

	private static final String KEY = "system-test-key-" + UUID.randomUUID();

	private static final Path REPOSITORY = copyOfConfigRepo();

	@RegisterExtension
	static final Platform platform = new Platform(1,
			Map.of("KEEL_CONFIG_REPO", REPOSITORY.toString(), "ENCRYPT_KEY", KEY, "KEEL_PROBE_D", "environment"));

	private static final Http gateway = new Http(platform.gateway());

	private static final Http userService = new Http(platform.instance("user-service", 1));

	/** The three products with the most stock: earlier system tests share the database. */
	private static List<String> skus;

	@BeforeAll
	static void wellStockedProducts() {
		List<JsonNode> products = new ArrayList<>();
		gateway.get("/api/v1/products?size=100").json().get("content").forEach(products::add);
		products.sort((a, b) -> Integer.compare(b.get("stock").asInt(), a.get("stock").asInt()));
		skus = products.stream().limit(3).map((product) -> product.get("sku").asString()).toList();
	}

	@AfterAll
	static void deleteRepository() throws IOException {
		try (Stream<Path> files = Files.walk(REPOSITORY)) {
			files.sorted((a, b) -> b.compareTo(a)).forEach((file) -> file.toFile().delete());
		}
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
	void configServerAnswersOnlyWithCredentials() {
		Http configServer = new Http("http://127.0.0.1:" + Platform.CONFIG_PORT);
		assertThat(configServer.get("/user-service/dev").status()).isEqualTo(401);
		assertThat(configServer.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Platform.CONFIG_PORT + "/user-service/dev"))
			.header("Authorization", basic("config-client", "guess"))).status()).isEqualTo(401);
		assertThat(configServer.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Platform.CONFIG_PORT + "/encrypt"))
			.header("Authorization", basic("config-client", platform.configServerPassword()))
			.POST(HttpRequest.BodyPublishers.ofString("x"))).status()).as("clients may not encrypt").isEqualTo(403);
		assertThat(configServer.get("/actuator/health/readiness").status()).isEqualTo(200);
	}

	@Test
	@Order(4)
	void aCommittedChangeReachesRunningServicesWithin10SecondsWhileRequestsGoOn() {
		long userId = gateway.post("/api/v1/users", "{\"email\":\"cfg-%s@example.com\",\"name\":\"Config\"}"
			.formatted(UUID.randomUUID())).json().get("id").asLong();
		try (Load reads = Load.start("GET users", 30, Set.of(200), () -> HttpRequest
			.newBuilder(URI.create(platform.gateway() + "/api/v1/users/" + userId)).header("X-API-Key", "cfg-reads")
			.timeout(Duration.ofSeconds(20)).build());
				Load writes = Load.start("POST orders", 5, Set.of(201), () -> HttpRequest
					.newBuilder(URI.create(platform.gateway() + "/api/v1/orders"))
					.header("Content-Type", "application/json").header("X-API-Key", "cfg-writes")
					.header("Idempotency-Key", UUID.randomUUID().toString()).timeout(Duration.ofSeconds(20))
					.POST(HttpRequest.BodyPublishers.ofString(
							"{\"userId\":%d,\"items\":[{\"sku\":\"%s\",\"quantity\":1}]}".formatted(userId, skus.get(0))))
					.build())) {
			reads.awaitAnswers(30);

			replace("order-service.yml", "max-lines-per-order: 50", "max-lines-per-order: 2");
			replace("gateway-service.yml", "burst-capacity: 200", "burst-capacity: 123");
			commit("Tighter limits");
			long committedAt = System.nanoTime();

			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				Http.Response refused = gateway.post("/api/v1/orders", threeLines(userId));
				assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
				assertThat(refused.json().get("limit").asInt()).isEqualTo(2);
			});
			await().atMost(Duration.ofSeconds(10).minusNanos(System.nanoTime() - committedAt))
				.pollInterval(Duration.ofMillis(200))
				.untilAsserted(() -> assertThat(gateway.send(HttpRequest.newBuilder(URI.create(platform.gateway()
						+ "/api/v1/users/" + userId))).header("RateLimit-Limit")).isEqualTo("123"));
			reads.awaitAnswers(60);

			writes.close();
			reads.close();
			assertThat(reads.failures()).as(reads.toString()).isEmpty();
			assertThat(writes.failures()).as(writes.toString()).isEmpty();
		}
		String metrics = new Http(platform.instance("order-service", 1)).get("/actuator/prometheus").raw().body();
		assertThat(metrics).as("the connection pool survived the refresh").contains("pool=\"HikariPool-1\"")
			.doesNotContain("HikariPool-2");
	}

	@Test
	@Order(5)
	void servicesKeepTheirConfigurationWhileConfigServerIsDownAndCatchUpWhenItReturns() {
		assertThat(platform.run(30, "kill", "config-server").exitCode()).isZero();
		replace("order-service.yml", "max-lines-per-order: 2", "max-lines-per-order: 3");
		commit("While config-server is down");

		long userId = gateway.post("/api/v1/users", "{\"email\":\"down-%s@example.com\",\"name\":\"Down\"}"
			.formatted(UUID.randomUUID())).json().get("id").asLong();
		Http.Response stillTwo = gateway.post("/api/v1/orders", threeLines(userId));
		assertThat(stillTwo.status()).as(stillTwo.toString()).isEqualTo(422);
		assertThat(stillTwo.json().get("limit").asInt()).isEqualTo(2);

		assertThat(platform.run(180, "restart", "config-server").exitCode()).isZero();
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
			.untilAsserted(() -> assertThat(gateway.post("/api/v1/orders", threeLines(userId)).status()).isEqualTo(201));
	}

	@Test
	@Order(6)
	void aServiceRefusesToStartOnASecretThatDidNotDecrypt() throws Exception {
		// Encrypted with another key than config-server's.
		String wrong = encrypt("other-key-" + UUID.randomUUID(), "s3cr3t");
		Files.writeString(REPOSITORY.resolve("config-repo/user-service-broken.yml"),
				"spring:\n  datasource:\n    password: '" + wrong + "'\n");
		commit("A secret for another key");
		// config-server fetches the repository every few seconds: start the service once it serves the commit.
		await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
			.until(() -> configServer("/user-service/local,dev,broken").contains("invalid.spring.datasource.password"));

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
		assertThat(Duration.ofNanos(System.nanoTime() - start)).as("retried with backoff, then gave up")
			.isGreaterThan(Duration.ofMillis(4750)).isLessThan(Duration.ofSeconds(60));
		assertThat(run.output()).contains("Could not locate PropertySource");
	}

	private static String probe(String name) {
		Http.Response response = userService.get("/actuator/env/keel.probe." + name);
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		return response.json().get("property").get("value").asString();
	}

	private static String configServer(String path) {
		return new Http("http://127.0.0.1:" + Platform.CONFIG_PORT)
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Platform.CONFIG_PORT + path))
				.header("Authorization", basic("config-client", platform.configServerPassword())))
			.raw()
			.body();
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
		builder.environment().put("CONFIG_SERVER_PASSWORD", platform.configServerPassword());
		builder.environment().put("DB_PORT", String.valueOf(Platform.DB_PORT));
		builder.environment().put("PORT", String.valueOf(closedPort()));
		builder.environment().putAll(environment);
		Path output = Files.createTempFile("user-service-", ".log");
		builder.redirectOutput(output.toFile());
		Process process = builder.start();
		if (!process.waitFor(120, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
		String text = Files.readString(output);
		Files.delete(output);
		return new Run(process.isAlive() ? -1 : process.exitValue(), text);
	}

	private static String encrypt(String key, String value) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("keel.root", "..")).toAbsolutePath()
			.normalize().resolve("platform").toString(), "encrypt", value);
		builder.environment().put("ENCRYPT_KEY", key);
		Process process = builder.start();
		assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
		String cipher = new String(process.getInputStream().readAllBytes()).trim();
		assertThat(cipher).startsWith("{cipher}");
		return cipher;
	}

	private static void replace(String file, String from, String to) {
		try {
			Path path = REPOSITORY.resolve("config-repo").resolve(file);
			String content = Files.readString(path);
			assertThat(content).contains(from);
			Files.writeString(path, content.replace(from, to));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void commit(String message) {
		git("add", "-A");
		git("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", message);
	}

	private static Path copyOfConfigRepo() {
		try {
			Path repository = Files.createTempDirectory("keel-config-");
			Path target = Files.createDirectories(repository.resolve("config-repo"));
			Path source = Path.of(System.getProperty("keel.root", "..")).toAbsolutePath().normalize().resolve("config-repo");
			try (Stream<Path> files = Files.list(source)) {
				for (Path file : files.toList()) {
					Files.copy(file, target.resolve(file.getFileName()));
				}
			}
			append(target, "application.yml", "keel.probe.a: application\nkeel.probe.b: application\n"
					+ "keel.probe.c: application\nkeel.probe.d: application\n");
			append(target, "application-local.yml", "keel.probe.e: local\n");
			append(target, "application-dev.yml", "keel.probe.a: application-dev\nkeel.probe.b: application-dev\n"
					+ "keel.probe.e: dev\n");
			append(target, "user-service.yml", "keel.probe.a: user-service\nkeel.probe.b: user-service\n"
					+ "keel.probe.c: user-service\nkeel.probe.secret: '" + encrypt(KEY, "decrypted-with-the-key") + "'\n");
			Files.writeString(target.resolve("user-service-dev.yml"), "keel.probe.a: user-service-dev\nkeel.probe.d: user-service-dev\n");
			gitIn(repository, "init", "-q", "-b", "main");
			gitIn(repository, "add", "-A");
			gitIn(repository, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "config-repo");
			return repository;
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void append(Path directory, String file, String yaml) throws IOException {
		Files.writeString(directory.resolve(file), "\n" + yaml, StandardOpenOption.APPEND);
	}

	private static void git(String... args) {
		gitIn(REPOSITORY, args);
	}

	private static void gitIn(Path repository, String... args) {
		List<String> command = new ArrayList<>(List.of("git", "-C", repository.toString()));
		command.addAll(List.of(args));
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes());
			assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(process.exitValue()).as(output).isZero();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
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
