package dev.keel.system;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import dev.keel.launcher.Chromium;
import dev.keel.launcher.SignIn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A user's first session with the platform, through the gateway of a platform started with ./platform up:
 * real processes, real HTTP, real database, local discovery and load balancing.
 */
@Order(1)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlatformEndToEndIT {

	private static final String PROBLEMS = "https://keel.dev/problems/";

	private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

	/** An operation as Swagger UI renders it: its method, then its path. */
	private static final Pattern LISTED_OPERATION = Pattern.compile(
			"opblock-summary-method\">([A-Z]+)</span>.*?class=\"opblock-summary-path\" data-path=\"([^\"]+)\"");

	@RegisterExtension
	static final Platform platform = Platform.platform;

	private final Http gateway = platform.gatewayAs("alice");

	@Test
	@Order(1)
	void createUserPlaceOrderSeeStockDecreaseAndReadTheOrderBack() {
		String email = "e2e-" + UUID.randomUUID() + "@example.com";
		Http.Response created = this.gateway.post("/api/v1/users",
				"{\"email\":\"%s\",\"name\":\"Grace Hopper\"}".formatted(email));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		long userId = created.json().get("id").asLong();
		assertThat(this.gateway.get(created.header("Location")).json().get("email").asString()).isEqualTo(email);

		JsonNode keyboard = this.gateway.get("/api/v1/products/KB-001").json();
		JsonNode mouse = this.gateway.get("/api/v1/products/MS-001").json();
		Http.Response placed = this.gateway.post("/api/v1/orders",
				"{\"userId\":%d,\"items\":[{\"sku\":\"KB-001\",\"quantity\":2},{\"sku\":\"MS-001\",\"quantity\":1}]}"
					.formatted(userId));
		assertThat(placed.status()).as(placed.toString()).isEqualTo(201);
		JsonNode order = placed.json();

		assertThat(order.get("userId").asLong()).isEqualTo(userId);
		assertThat(order.get("status").asString()).isEqualTo("CONFIRMED");
		assertThat(order.get("items").get(0).get("unitPrice").decimalValue())
			.isEqualByComparingTo(keyboard.get("price").decimalValue());
		BigDecimal expectedTotal = keyboard.get("price")
			.decimalValue()
			.multiply(BigDecimal.valueOf(2))
			.add(mouse.get("price").decimalValue());
		assertThat(order.get("total").decimalValue()).isEqualByComparingTo(expectedTotal);
		assertThat(stock("KB-001")).isEqualTo(keyboard.get("stock").asInt() - 2);
		assertThat(stock("MS-001")).isEqualTo(mouse.get("stock").asInt() - 1);

		assertThat(this.gateway.get(placed.header("Location")).json()).isEqualTo(order);
		assertThat(order.get("user").get("email").asString()).isEqualTo(email);
		JsonNode listed = this.gateway.get("/api/v1/orders?userId=" + userId).json().get("content").get(0);
		assertThat(listed.get("id")).isEqualTo(order.get("id"));
		assertThat(listed.get("items")).isEqualTo(order.get("items"));
		assertThat(listed.get("total")).isEqualTo(order.get("total"));
	}

	/**
	 * The README's walk-through: a new customer signs up through the public API (no token), gets a token with
	 * {@code ./platform token} and the password on its standard input, and orders for the profile sign-up made; the
	 * account and the profile are one person's.
	 */
	@Test
	@Order(1)
	void aNewCustomerSignsUpGetsATokenAndPlacesAnOrder() {
		Http anonymous = new Http(platform.gateway());
		warmUpSignUp(anonymous);
		String username = "carol-" + UUID.randomUUID().toString().substring(0, 8);
		String password = "a long and unlikely passphrase";

		Http.Response signedUp = anonymous.post("/api/v1/accounts",
				"{\"username\":\"%s\",\"password\":\"%s\",\"email\":\"%s@example.com\",\"name\":\"Carol\"}"
					.formatted(username, password, username));
		assertThat(signedUp.status()).as(signedUp.toString()).isEqualTo(201);
		long profileId = signedUp.json().get("profileId").asLong();
		assertThat(signedUp.header("Location")).isEqualTo("/api/v1/users/" + profileId);
		problem(anonymous.post("/api/v1/accounts",
				"{\"username\":\"%s\",\"password\":\"%s\",\"email\":\"other-%s@example.com\",\"name\":\"Carol\"}"
					.formatted(username, password, username)), 409, "username-taken");
		problem(anonymous.post("/api/v1/accounts",
				"{\"username\":\"x%s\",\"password\":\"password1234\",\"email\":\"x%s@example.com\",\"name\":\"X\"}"
					.formatted(username, username)), 400, "validation");

		Platform.Result token = platform.runWithInput(120, password + "\n", "token", username);
		assertThat(token.exitCode()).as(token.output()).isZero();
		String accessToken = token.output().strip().lines().reduce((first, last) -> last).orElseThrow();
		Http carol = new Http(platform.gateway(), () -> accessToken);

		Http.Response profile = carol.get("/api/v1/users/me");
		assertThat(profile.status()).as(profile.toString()).isEqualTo(200);
		assertThat(profile.json().get("id").asLong()).isEqualTo(profileId);
		assertThat(profile.json().get("owner").asString()).isEqualTo(username);
		assertThat(profile.json().get("email").asString()).isEqualTo(username + "@example.com");
		Http.Response placed = carol.post("/api/v1/orders",
				"{\"userId\":%d,\"items\":[{\"sku\":\"KB-001\",\"quantity\":1}]}".formatted(profileId),
				"Idempotency-Key", UUID.randomUUID().toString());
		assertThat(placed.status()).as(placed.toString()).isEqualTo(201);
		assertThat(placed.json().get("user").get("owner").asString()).isEqualTo(username);
		assertThat(platform.runWithInput(120, "not the password\n", "token", username).exitCode())
			.as("a wrong password gets no token").isNotZero();
	}

	/**
	 * auth-service's first sign-up also fetches its own token, and its first call to each user-service instance is
	 * a cold one: on a slow machine either may outlast its timeout, and the profile is then made in the background
	 * (202). The walk-through's answers are a warm sign-up's: one sign-up per instance (round robin) comes first.
	 */
	private static void warmUpSignUp(Http anonymous) {
		for (int instance = 1; instance <= Platform.REPLICAS; instance++) {
			String username = "warm-" + UUID.randomUUID().toString().substring(0, 8);
			String password = "a long and unlikely passphrase";
			Http.Response first = anonymous.post("/api/v1/accounts",
					"{\"username\":\"%s\",\"password\":\"%s\",\"email\":\"%s@example.com\",\"name\":\"Warm\"}"
						.formatted(username, password, username));
			assertThat(first.status()).as(first.toString()).isIn(201, 202);
			await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
				.until(() -> SignIn.accessToken(URI.create(platform.gateway()), username, password).length() > 0);
		}
	}

	/**
	 * Every customer sees their own and nobody else's: another's profile and orders are not there (404, not
	 * listed), orders go only to one's own profile, listing everyone is the administrator's, and a service port
	 * reached past the gateway wants a valid token as well.
	 */
	@Test
	@Order(2)
	void customersSeeOnlyTheirOwnAndServicesWantATokenToo() {
		Http bob = platform.gatewayAs("bob");
		Http admin = platform.gatewayAs("admin");
		JsonNode alices = this.gateway.post("/api/v1/users",
				"{\"email\":\"own-%s@example.com\",\"name\":\"Alice\",\"owner\":\"bob\"}".formatted(UUID.randomUUID()))
			.json();
		long profile = alices.get("id").asLong();
		assertThat(alices.get("owner").asString()).as("the token decides, not the body").isEqualTo("alice");
		long order = this.gateway.post("/api/v1/orders",
				"{\"userId\":%d,\"items\":[{\"sku\":\"KB-001\",\"quantity\":1}]}".formatted(profile))
			.json()
			.get("id")
			.asLong();

		problem(bob.get("/api/v1/users/" + profile), 404, "user-not-found");
		problem(bob.send(HttpRequest.newBuilder(URI.create(platform.gateway() + "/api/v1/users/" + profile))
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString("{\"email\":\"taken@example.com\",\"name\":\"Bob\",\"version\":0}"))),
				404, "user-not-found");
		problem(bob.send(HttpRequest.newBuilder(URI.create(platform.gateway() + "/api/v1/users/" + profile)).DELETE()),
				404, "user-not-found");
		problem(bob.get("/api/v1/orders/" + order), 404, "order-not-found");
		assertThat(bob.get("/api/v1/orders?userId=" + profile).json().get("totalElements").asInt()).isZero();
		problem(bob.post("/api/v1/orders",
				"{\"userId\":%d,\"items\":[{\"sku\":\"KB-001\",\"quantity\":1}]}".formatted(profile)), 422,
				"unknown-user");
		problem(this.gateway.get("/api/v1/users"), 403, "forbidden");
		assertThat(admin.get("/api/v1/users?size=1").status()).isEqualTo(200);
		assertThat(admin.get("/api/v1/orders/" + order).status()).isEqualTo(200);
		assertThat(this.gateway.get("/api/v1/users/" + profile).json().get("name").asString()).isEqualTo("Alice");

		for (String service : List.of("user-service", "order-service")) {
			Http.Response anonymous = new Http(platform.instance(service, 1)).get(
					service.equals("user-service") ? "/api/v1/users/" + profile : "/api/v1/orders/" + order);
			problem(anonymous, 401, "unauthorized");
			assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Bearer");
			problem(new Http(platform.instance(service, 1), () -> "forged." + platform.token("bob")).get("/api/v1/orders/1"),
					401, "unauthorized");
		}
		assertThat(platform.instanceAs("order-service", 1, "alice").get("/api/v1/orders/" + order).status()).isEqualTo(200);
	}

	@Test
	@Order(2)
	void clientMistakesAreProblemsNeverServerErrors() {
		String email = "dup-" + UUID.randomUUID() + "@example.com";
		this.gateway.post("/api/v1/users", "{\"email\":\"%s\",\"name\":\"Once\"}".formatted(email));

		problem(this.gateway.post("/api/v1/users", "{\"email\":\"%s\",\"name\":\"Twice\"}".formatted(email)), 409,
				"duplicate-email");
		problem(this.gateway.post("/api/v1/users", "{\"email\":\"nope\",\"name\":\"\"}"), 400, "validation");
		problem(this.gateway.post("/api/v1/users", "{\"email\":"), 400, "malformed-request");
		problem(this.gateway.get("/api/v1/users/999999999"), 404, "user-not-found");
		problem(this.gateway.post("/api/v1/orders", "{\"userId\":999999999,\"items\":[{\"sku\":\"KB-001\",\"quantity\":1}]}"),
				422, "unknown-user");
		long userId = this.gateway.post("/api/v1/users", "{\"email\":\"o-%s@example.com\",\"name\":\"Buyer\"}"
			.formatted(UUID.randomUUID())).json().get("id").asLong();
		problem(this.gateway.post("/api/v1/orders",
				"{\"userId\":%d,\"items\":[{\"sku\":\"NOPE-1\",\"quantity\":1}]}".formatted(userId)), 422,
				"unknown-product");
		int stock = stock("DS-001");
		Http.Response outOfStock = this.gateway.post("/api/v1/orders",
				"{\"userId\":%d,\"items\":[{\"sku\":\"DS-001\",\"quantity\":%d}]}".formatted(userId, stock + 1));
		problem(outOfStock, 409, "out-of-stock");
		assertThat(outOfStock.json().get("sku").asString()).isEqualTo("DS-001");
		assertThat(stock("DS-001")).isEqualTo(stock);
		problem(this.gateway.post("/api/v1/orders", "{\"userId\":%d,\"items\":[]}".formatted(userId)), 400,
				"validation");
		problem(this.gateway.get("/api/v1/nothing"), 404, "not-found");
	}

	@Test
	@Order(3)
	void actuatorIsNeverReachableThroughTheGateway() {
		problem(this.gateway.get("/actuator/health"), 404, "not-found");
		problem(this.gateway.send(HttpRequest
			.newBuilder(URI.create(platform.gateway() + "/api/v1/users/../../../actuator/env"))
			.GET()), 400, "bad-request");
		problem(new Http(platform.instance("user-service", 1)).get("/actuator/env"), 404, "not-found");
		assertThat(new Http(platform.instance("user-service", 1)).get("/readyz").status())
			.as("the API port serves the probes a load balancer uses").isEqualTo(200);
		assertThat(new Http(platform.management("user-service", 1)).get("/actuator/health/readiness").status())
			.isEqualTo(200);
	}

	@Test
	@Order(4)
	void everyProcessExposesProbesAndPrometheusMetrics() {
		for (int port : new int[] { Platform.CONFIG_PORT, Platform.USER_MANAGEMENT_PORT, Platform.ORDER_MANAGEMENT_PORT,
				Platform.port("gateway-service", 1, true), Platform.port("gateway-service", 2, true) }) {
			Http process = new Http("http://127.0.0.1:" + port);
			assertThat(process.get("/actuator/health/liveness").status()).as("liveness on %d", port).isEqualTo(200);
			assertThat(process.get("/actuator/health/readiness").status()).as("readiness on %d", port)
				.isEqualTo(200);
			Http.Response metrics = process.get("/actuator/prometheus");
			assertThat(metrics.status()).as("prometheus on %d", port).isEqualTo(200);
			assertThat(metrics.raw().body()).contains("jvm_memory_used_bytes");
		}
	}

	/**
	 * ./platform starts each application from its extracted jar, and the services and gateways with the class
	 * archive their training runs made, mapped: a JVM that cannot use its archive starts all the same, only slower.
	 * config-server is held to its extracted jar only: here it serves a Git repository, and on JDK 17 the JVM
	 * crashes writing a dynamic archive of it (in SystemDictionaryShared::adjust_lambda_proxy_class_dictionary,
	 * once the classes of JGit's signed jar are left out), so it starts without one.
	 */
	@Test
	@Order(4)
	void everyApplicationStartsFromItsExtractedJarAndTheServicesWithTheirClassArchivesMapped() throws IOException {
		assertThat(jarOf("config-server")).startsWith(platform.state().resolve("apps").toString());
		List<String> instances = new ArrayList<>(List.of("auth-service#1"));
		for (int replica = 1; replica <= Platform.REPLICAS; replica++) {
			instances.addAll(List.of("user-service#" + replica, "order-service#" + replica));
		}
		for (int gateway = 1; gateway <= Platform.GATEWAYS; gateway++) {
			instances.add("gateway-service#" + gateway);
		}
		for (String instance : instances) {
			assertThat(jarOf(instance)).as(instance).startsWith(platform.state().resolve("apps").toString());
			List<String> arguments = platform.commandLine(instance);
			String archive = arguments.stream()
				.filter((argument) -> argument.startsWith("-XX:SharedArchiveFile=") || argument.startsWith("-XX:AOTCache="))
				.findFirst()
				.orElseThrow(() -> new AssertionError(instance + " started without a class archive: " + arguments));
			// The kernel names the file by its real path.
			assertThat(platform.memoryMaps(instance)).as("%s maps its archive", instance)
				.contains(Path.of(archive.substring(archive.indexOf('=') + 1)).toRealPath().toString());
		}
	}

	/**
	 * A command from another terminal, whose shell sets other ports and JVM options, finds the platform where it was
	 * started and says what it ignored, rather than look for it elsewhere (or restart an instance unlike the rest).
	 */
	@Test
	@Order(4)
	void aCommandFromAShellWithOtherSettingsRunsWithThoseThePlatformWasStartedWith() {
		Platform.Result ps = platform.run(60, Map.of("KEEL_PORT_OFFSET", "0", "KEEL_JAVA_OPTS", "-Xmx1g"), "ps");

		assertThat(ps.exitCode()).as(ps.output()).isZero();
		assertThat(ps.output()).contains("KEEL_JAVA_OPTS, KEEL_PORT_OFFSET of this shell ignored")
			.containsPattern("user-service#1 +" + Platform.USER_PORT + " .* ready ")
			.containsPattern("order-service#1 +" + Platform.ORDER_PORT + " .* ready ");
	}

	private static String jarOf(String instance) {
		List<String> arguments = platform.commandLine(instance);
		assertThat(arguments).as(instance).contains("-jar");
		return arguments.get(arguments.indexOf("-jar") + 1);
	}

	private int stock(String sku) {
		return this.gateway.get("/api/v1/products/" + sku).json().get("stock").asInt();
	}

	private static void problem(Http.Response response, int status, String type) {
		assertThat(response.status()).as(response.toString()).isEqualTo(status);
		assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
		assertThat(response.json().get("type").asString()).isEqualTo(PROBLEMS + type);
	}

	/**
	 * The API documentation a person reads and tries: Swagger UI at {@code /api/docs} on the public entry, rendered
	 * by a real browser (headless Chromium), lists for each service every operation of its description
	 * ({@code /api/docs/<service>}), with the button to authorize with a token.
	 */
	@Test
	@Order(5)
	void swaggerUiOnThePublicEntryListsEveryOperationOfEveryService(@TempDir Path profile) {
		Http anonymous = new Http(platform.gateway());
		Http.Response entry = anonymous.get("/api/docs");
		assertThat(entry.status()).as(entry.toString()).isEqualTo(302);
		assertThat(entry.header("Location")).isEqualTo("/api/docs/swagger-ui/index.html");
		String chromium = Chromium.command();
		assertThat(chromium).as("Chromium (.ci/run installs Debian's)").isNotNull();
		for (String service : List.of("user-service", "order-service", "auth-service")) {
			Http.Response description = anonymous.get("/api/docs/" + service);
			assertThat(description.status()).as(description.toString()).isEqualTo(200);
			Set<String> operations = new TreeSet<>();
			description.json().get("paths").properties().forEach((path) -> path.getValue()
				.propertyNames()
				.stream()
				.filter(METHODS::contains)
				.forEach((method) -> operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));
			assertThat(operations).as(service + "'s operations").isNotEmpty();
			String page = platform.gateway() + "/api/docs/swagger-ui/index.html?urls.primaryName=" + service;
			// The page fetches its settings and the description after it loads: render until it shows them.
			await().atMost(Duration.ofMinutes(3)).untilAsserted(() -> {
				String dom = renderedDom(chromium, Files.createTempDirectory(profile, "chromium"), page);
				Set<String> listed = new TreeSet<>();
				Matcher operation = LISTED_OPERATION.matcher(dom);
				while (operation.find()) {
					listed.add(operation.group(1) + " " + operation.group(2));
				}
				assertThat(listed).as("operations Swagger UI lists for " + service).isEqualTo(operations);
				assertThat(dom).as("Swagger UI's Authorize button").contains("btn authorize");
			});
		}
	}

	/**
	 * The page's DOM once its scripts have run, as headless Chromium renders it with a profile of its own (a Chromium
	 * left behind by a timed-out attempt would hold a shared one).
	 */
	private static String renderedDom(String chromium, Path profile, String url)
			throws IOException, InterruptedException {
		Path dom = profile.resolve("dom.html");
		Process browser = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu",
				"--user-data-dir=" + profile.resolve("profile"), "--virtual-time-budget=20000", "--dump-dom", url)
			.redirectOutput(dom.toFile())
			.redirectError(ProcessBuilder.Redirect.DISCARD)
			.start();
		try {
			assertThat(browser.waitFor(1, TimeUnit.MINUTES)).as("chromium --dump-dom %s in time", url).isTrue();
			assertThat(browser.exitValue()).as("chromium --dump-dom %s", url).isZero();
			return Files.readString(dom);
		}
		finally {
			browser.descendants().forEach(ProcessHandle::destroyForcibly);
			browser.destroyForcibly();
		}
	}

}
