package dev.keel.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
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
 * nacos mode against a real Nacos 3.1 (auth on, bootstrapped by deploy/nacos/init.sh as compose runs it): the
 * shared platform, restarted with {@code ./platform up --discovery nacos}, registers there and every call through
 * the gateway and between services is resolved through it, under steady load while instances die, restart, and
 * the registry itself stops and restarts.
 * <p>
 * The Nacos is {@code ../shared/nacos} (started here on ports of its own), or a user's own at NACOS_SERVER_ADDR
 * (with NACOS_USERNAME and NACOS_PASSWORD; its restart is then not this test's to do). In CI it never skips.
 * Last of the classes sharing the platform: it changes how the platform finds its instances.
 */
@Order(8)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NacosIT {

	private static final int NACOS_PORT = 18848;

	private static final Path ROOT = Path.of(System.getProperty("keel.root", "..")).toAbsolutePath().normalize();

	private static final Path SHARED_NACOS = ROOT.resolve("../shared/nacos").normalize();

	/** A registry of its own for each run: no data, users or pid file left by an earlier one. */
	private static final Path NACOS_HOME = Path.of("target", "nacos-" + UUID.randomUUID()).toAbsolutePath();

	private static final String NAMESPACE = "dev";

	private static final String GROUP = "KEEL";

	@RegisterExtension
	static final Platform platform = Platform.platform;

	private static final Http gateway = platform.gatewayAs("alice");

	/** Started here (and so restartable here), rather than a user's own. */
	private static boolean ours;

	private static String address;

	private static String username;

	private static String password;

	private static long userId;

	private static String token;

	@BeforeAll
	static void nacosAndThePlatformInNacosMode() {
		String own = System.getenv("NACOS_SERVER_ADDR");
		if (own != null && !own.isBlank()) {
			address = own;
			username = System.getenv().getOrDefault("NACOS_USERNAME", "nacos");
			password = System.getenv("NACOS_PASSWORD");
		}
		else if (Files.isExecutable(SHARED_NACOS.resolve("start"))) {
			address = "127.0.0.1:" + NACOS_PORT;
			username = "nacos";
			password = "keel-" + UUID.randomUUID();
			ours = true;
			// First start as Nacos' image runs with NACOS_AUTH_CACHE_ENABLE=true: a new admin is refused for a
			// while (the script used to give up at once); the restart below runs with the cache off.
			startNacos(true);
		}
		else {
			String why = "NacosIT needs a Nacos 3: ../shared/nacos (next to the project) or NACOS_SERVER_ADDR, "
					+ "NACOS_USERNAME and NACOS_PASSWORD for your own";
			if (System.getenv("CI") != null) {
				throw new IllegalStateException(why + "; CI must run it");
			}
			Assumptions.abort(why);
		}

		// The bootstrap as compose runs it; run twice, as a restarted compose project does.
		for (int run = 1; run <= 2; run++) {
			Platform.Result init = initScript(password);
			assertThat(init.exitCode()).as(init.output()).isZero();
		}
		assertThat(namespaces()).contains("dev", "staging", "prod");
		Platform.Result wrong = initScript("not-" + password, "NACOS_INIT_TIMEOUT", "3");
		assertThat(wrong.exitCode()).as("a password that cannot log in fails loudly: " + wrong.output()).isNotZero();
		assertThat(wrong.output()).contains("cannot log in");

		// A propagation delay as docker and Kubernetes have it (the local run's is 2 s): the window in which an
		// instance that left Nacos still serves, which a test on a slow machine must be able to see.
		platform.restartWithNacos(Map.of("NACOS_SERVER_ADDR", address, "NACOS_USERNAME", username, "NACOS_PASSWORD",
				password, "NACOS_NAMESPACE", NAMESPACE, "KEEL_DISCOVERY_PROPAGATION_DELAY", "5s"));
		userId = gateway.post("/api/v1/users", "{\"email\":\"nacos-%s@example.com\",\"name\":\"Nacos\"}"
			.formatted(UUID.randomUUID())).json().get("id").asLong();
	}

	@AfterAll
	static void stopNacos() {
		// The platform first: its instances leave Nacos while it is there.
		Platform.Result down = platform.run(300, "down");
		if (ours) {
			shell(60, SHARED_NACOS.resolve("stop").toString(), String.valueOf(NACOS_PORT));
		}
		assertThat(down.exitCode()).as(down.output()).isZero();
	}

	@Test
	@Order(1)
	void everyInstanceIsRegisteredWithItsAddressVersionAndZoneAndCallsAreResolvedThroughNacos() {
		for (String service : List.of("user-service", "order-service")) {
			int base = service.equals("user-service") ? Platform.USER_PORT : Platform.ORDER_PORT;
			List<JsonNode> instances = instances(service);
			assertThat(instances).extracting((instance) -> instance.get("port").asInt())
				.containsExactlyInAnyOrder(base, base + 100);
			for (JsonNode instance : instances) {
				assertThat(instance.get("ip").asString()).isEqualTo("127.0.0.1");
				assertThat(instance.get("healthy").asBoolean()).isTrue();
				assertThat(instance.get("metadata").get("version").asString()).isNotBlank();
				assertThat(instance.get("metadata").get("zone").asString()).isNotBlank();
			}
		}
		// Nothing else lists them: the gateway reaches the services, and order-service reaches user-service.
		for (String actuator : List.of(platform.management("gateway-service", 1),
				platform.management("order-service", 1))) {
			assertThat(new Http(actuator)
				.get("/actuator/env/spring.cloud.discovery.client.simple.instances.user-service%5B0%5D.uri")
				.status()).as("a fixed instance list at " + actuator).isEqualTo(404);
		}
		Http.Response order = gateway.post("/api/v1/orders", orderBody(), "Idempotency-Key",
				UUID.randomUUID().toString());
		assertThat(order.status()).as(order.toString()).isEqualTo(201);
		Http.Response read = gateway.get("/api/v1/orders/" + order.json().get("id").asLong());
		assertThat(read.json().get("user").get("id").asLong()).isEqualTo(userId);
	}

	@Test
	@Order(2)
	void aStallASigkillAndARollingRestartCostNoRequest() {
		String body = orderBody();
		// As ResilienceIT's rolling restart: a load one starved core carries while a replacement JVM boots beside
		// the one instance left. This is about losing no request while instances come and go, not about capacity.
		try (Load reads = Load.start("GET users", 10, Set.of(200), () -> platform.get("/api/v1/users/" + userId, "10.6.0.1"));
				Load orders = Load.start("POST orders", 2, Set.of(201),
						(tick) -> platform.post("/api/v1/orders", body, "10.6.0.2"))) {
			reads.awaitAnswers(40);

			// Stalled (a GC pause, a starved CPU): still registered, still connected; keel routes around it.
			Platform.Result pause = platform.run(120, "pause", "user-service#1", "3");
			assertThat(pause.exitCode()).as(pause.toString()).isZero();
			reads.awaitAnswers(40);

			assertThat(platform.run(60, "kill", "user-service#2").exitCode()).isZero();
			await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
				.untilAsserted(() -> assertThat(instances("user-service")).hasSize(1));
			reads.awaitAnswers(40);
			assertThat(platform.run(600, "restart", "user-service#2").exitCode()).isZero();
			awaitRegistered("user-service", 2);
			// Graceful: each instance leaves Nacos first, and goes on serving until callers know.
			CompletableFuture<Platform.Result> rolling = CompletableFuture
				.supplyAsync(() -> platform.run(900, "restart", "user-service"));
			int[] gone = { 0 };
			await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
				List<Integer> ports = instances("user-service").stream().map((i) -> i.get("port").asInt()).toList();
				gone[0] = (ports.size() < 2) ? (ports.contains(Platform.USER_PORT) ? Platform.USER_PORT + 100
						: Platform.USER_PORT) : 0;
				return gone[0] != 0;
			});
			Http.Response served = new Http("http://127.0.0.1:" + gone[0], () -> platform.token("alice"))
				.get("/api/v1/users/" + userId);
			assertThat(served.status()).as("the instance on %d serves after leaving Nacos", gone[0]).isEqualTo(200);
			assertThat(rolling.join().exitCode()).isZero();
			awaitRegistered("user-service", 2);
			reads.awaitAnswers(40);

			orders.close();
			assertThat(reads.failures()).as(reads.toString()).isEmpty();
			assertThat(orders.failures()).as(orders.toString()).isEmpty();
		}
	}

	@Test
	@Order(3)
	void aRegistryThatStopsAndRestartsCostsNoRequestAndEveryInstanceRegistersAgain() {
		Assumptions.assumeTrue(ours, "a Nacos of your own is not this test's to restart");
		try (Load reads = Load.start("GET users", 20, Set.of(200), () -> platform.get("/api/v1/users/" + userId, "10.6.0.3"));
				Load products = Load.start("GET products", 5, Set.of(200),
						() -> platform.get("/api/v1/products?size=5", "10.6.0.4"))) {
			reads.awaitAnswers(40);

			Platform.Result stop = shell(60, SHARED_NACOS.resolve("stop").toString(), String.valueOf(NACOS_PORT));
			assertThat(stop.exitCode()).as(stop.output()).isZero();
			reads.awaitAnswers(60);
			// An order needs order-service to find user-service, with the registry down.
			Http.Response order = gateway.post("/api/v1/orders", orderBody(), "Idempotency-Key",
					UUID.randomUUID().toString());
			assertThat(order.status()).as(order.toString()).isEqualTo(201);

			// Restarted, it knows the users and namespaces, not the instances, until they register again.
			startNacos(false);
			for (String service : List.of("user-service", "order-service")) {
				awaitRegistered(service, 2);
			}
			reads.awaitAnswers(60);
			Platform.Result init = initScript(password);
			assertThat(init.exitCode()).as("the bootstrap again, on a restarted Nacos: " + init.output()).isZero();

			assertThat(reads.failures()).as(reads.toString()).isEmpty();
			assertThat(products.failures()).as(products.toString()).isEmpty();
		}
	}

	@Test
	@Order(4)
	void anInstanceWhoseNacosWeightIsZeroOrThatIsDisabledGetsNoTraffic() {
		try {
			updateInstance(Platform.USER_PORT, 0, true);
			assertNoTrafficTo(Platform.USER_PORT);
			updateInstance(Platform.USER_PORT, 1, true);
			updateInstance(Platform.USER_PORT + 100, 1, false);
			assertNoTrafficTo(Platform.USER_PORT + 100);
		}
		finally {
			updateInstance(Platform.USER_PORT, 1, true);
			updateInstance(Platform.USER_PORT + 100, 1, true);
		}
	}

	@Test
	@Order(5)
	void anInstanceToldToRegisterInANamespaceNacosDoesNotHaveRefusesToStart() {
		Platform.Result misspelled = platform.run(600, Map.of("NACOS_NAMESPACE", "dve"), "restart", "user-service#2");
		assertThat(misspelled.exitCode()).as(misspelled.output()).isNotZero();
		assertThat(platform.log("user-service#2")).contains("has no namespace 'dve'");
		assertThat(instances("user-service")).as("registered nowhere").hasSize(1);

		assertThat(platform.run(600, "restart", "user-service#2").exitCode()).isZero();
		awaitRegistered("user-service", 2);
	}

	/** Requests the gateway's load balancer has sent to the instance on this port (registered as 127.0.0.1). */
	private static double requestsTo(int port) {
		return platform.gatewayMetric("keel_loadbalancer_requests_total", "127.0.0.1:" + port, null);
	}

	/** Once the gateway has heard of the change, every request goes to the other instance. */
	private static void assertNoTrafficTo(int port) {
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			double before = requestsTo(port);
			for (int i = 0; i < 10; i++) {
				assertThat(gateway.get("/api/v1/users/" + userId).status()).isEqualTo(200);
			}
			assertThat(requestsTo(port)).isEqualTo(before);
		});
	}

	/**
	 * Its JVM with C1 only, as the platform's run: on one core it is ready in about half the time (10 s instead of
	 * 20), which this class waits for twice. Through JAVA, which the start script runs Nacos with, so that the Maven
	 * it fetches Nacos' libraries with keeps the machine's own options.
	 * @param userCache whether Nacos' user cache is on (the start script switches it off), as its image runs it
	 */
	private static void startNacos(boolean userCache) {
		Path script = NACOS_HOME.resolveSibling("java-for-nacos" + (userCache ? "-with-user-cache" : ""));
		try {
			Files.writeString(script, """
					#!/bin/sh
					for arg; do
						shift
						[ "$arg" = "--nacos.core.auth.caching.enabled=false" ] && arg="--nacos.core.auth.caching.enabled=%s"
						set -- "$@" "$arg"
					done
					exec java -XX:TieredStopAtLevel=1 "$@"
					""".formatted(userCache));
			script.toFile().setExecutable(true);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Platform.Result start = shell(300, Map.of("JAVA", script.toString()), SHARED_NACOS.resolve("start").toString(),
				String.valueOf(NACOS_PORT));
		assertThat(start.exitCode()).as(start.output()).isZero();
	}

	private static void awaitRegistered(String service, int count) {
		await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
			.untilAsserted(() -> assertThat(instances(service))
				.filteredOn((instance) -> instance.get("healthy").asBoolean())
				.hasSize(count));
	}

	/**
	 * The instances Nacos has for a service in keel's namespace and group, through its admin API; none when it has
	 * not heard of the service (yet); an exception for any other answer.
	 */
	private static List<JsonNode> instances(String service) {
		Http.Response response = nacos(HttpRequest.newBuilder(URI.create("http://" + address
				+ "/nacos/v3/admin/ns/instance/list?serviceName=" + service + "&groupName=" + GROUP + "&namespaceId="
				+ NAMESPACE)));
		List<JsonNode> instances = new ArrayList<>();
		if (response.status() == 200) {
			response.json().get("data").forEach(instances::add);
		}
		else if (!response.raw().body().contains("is not found")) {
			throw new IllegalStateException("Nacos answered " + response);
		}
		return instances;
	}

	private static List<String> namespaces() {
		List<String> namespaces = new ArrayList<>();
		nacos(HttpRequest.newBuilder(URI.create("http://" + address + "/nacos/v3/admin/core/namespace/list"))).json()
			.get("data")
			.forEach((n) -> namespaces.add(n.get("namespace").asString()));
		return namespaces;
	}

	/** Sets an instance's weight and whether it is enabled, as an operator does in the console. */
	private static void updateInstance(int port, double weight, boolean enabled) {
		String form = form(Map.of("serviceName", "user-service", "groupName", GROUP, "namespaceId", NAMESPACE, "ip",
				"127.0.0.1", "port", String.valueOf(port), "weight", String.valueOf(weight), "enabled",
				String.valueOf(enabled), "ephemeral", "true"));
		Http.Response response = nacos(HttpRequest
			.newBuilder(URI.create("http://" + address + "/nacos/v3/admin/ns/instance"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.PUT(HttpRequest.BodyPublishers.ofString(form)));
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
	}

	/** A request to Nacos' API as its admin, logged in once (and again when a restart voided the token). */
	private static Http.Response nacos(HttpRequest.Builder request) {
		Http nacos = new Http("http://" + address);
		if (token == null) {
			token = login(nacos);
		}
		Http.Response response = nacos.send(request.copy().setHeader("accessToken", token));
		if (response.status() == 401 || response.status() == 403) {
			token = login(nacos);
			response = nacos.send(request.copy().setHeader("accessToken", token));
		}
		return response;
	}

	private static String login(Http nacos) {
		Http.Response login = nacos.send(HttpRequest
			.newBuilder(URI.create("http://" + address + "/nacos/v3/auth/user/login"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(form(Map.of("username", username, "password", password)))));
		assertThat(login.status()).as("login to Nacos: HTTP %d", login.status()).isEqualTo(200);
		return login.json().get("accessToken").asString();
	}

	private static String form(Map<String, String> fields) {
		StringBuilder form = new StringBuilder();
		fields.forEach((name, value) -> form.append(form.isEmpty() ? "" : "&")
			.append(URLEncoder.encode(name, StandardCharsets.UTF_8))
			.append('=')
			.append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
		return form.toString();
	}

	private static Platform.Result initScript(String adminPassword, String... settings) {
		Map<String, String> environment = new LinkedHashMap<>(Map.of("NACOS_SERVER_ADDR", address, "NACOS_USERNAME",
				username, "NACOS_PASSWORD", adminPassword));
		for (int i = 0; i + 1 < settings.length; i += 2) {
			environment.put(settings[i], settings[i + 1]);
		}
		return shell(300, environment, "sh", "../deploy/nacos/init.sh");
	}

	private static String orderBody() {
		String sku = gateway.get("/api/v1/products?size=100").json().get("content").get(0).get("sku").asString();
		return "{\"userId\":%d,\"items\":[{\"sku\":\"%s\",\"quantity\":1}]}".formatted(userId, sku);
	}

	private static Platform.Result shell(long timeoutSeconds, String... command) {
		return shell(timeoutSeconds, Map.of(), command);
	}

	private static Platform.Result shell(long timeoutSeconds, Map<String, String> environment, String... command) {
		ProcessBuilder builder = new ProcessBuilder(command);
		builder.environment().put("NACOS_HOME", NACOS_HOME.toString());
		// Fetches the server's libraries on first start: the project's own Maven, wherever mvn is missing.
		builder.environment().put("MVN", ROOT.resolve("mvnw").toString());
		builder.environment().putAll(environment);
		return Platform.execute(builder, timeoutSeconds);
	}

}
