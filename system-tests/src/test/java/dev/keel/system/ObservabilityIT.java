package dev.keel.system;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an operator sees of a request and of the platform, on a platform started with ./platform up: the
 * client's trace in every process's logs, in the response and in problems; request ids; metrics with their
 * tags; dashboards and alerts that read only metrics the processes really expose.
 */
@Order(2)
class ObservabilityIT {

	/** A sample line: its name and its labels (whose values may hold braces: uri="/api/v1/users/{id}"). */
	private static final Pattern SAMPLE = Pattern
		.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[^\"}]|\"(?:[^\"\\\\]|\\\\.)*\")*})?\\s", Pattern.MULTILINE);

	@RegisterExtension
	static final Platform platform = Platform.platform;

	private static final Http gateway = platform.gatewayAs("alice");

	private static long userId;

	private static String email;

	/** Traffic every test can rely on: an order, its idempotent replay, an out-of-stock rejection. */
	@BeforeAll
	static void traffic() {
		email = "observed-" + UUID.randomUUID() + "@example.com";
		Http.Response user = gateway.post("/api/v1/users", "{\"email\":\"%s\",\"name\":\"Ada\"}".formatted(email));
		assertThat(user.status()).as(user.toString()).isEqualTo(201);
		userId = user.json().get("id").asLong();
		assertThat(gateway.post("/api/v1/users", "{\"email\":\"%s\",\"name\":\"Ada again\"}".formatted(email)).status())
			.isEqualTo(409);
		String order = "{\"userId\":%d,\"items\":[{\"sku\":\"KB-001\",\"quantity\":1}]}".formatted(userId);
		String key = UUID.randomUUID().toString();
		assertThat(gateway.post("/api/v1/orders", order, "Idempotency-Key", key).status()).isEqualTo(201);
		Http.Response replayed = gateway.post("/api/v1/orders", order, "Idempotency-Key", key);
		assertThat(replayed.header("Idempotent-Replayed")).isEqualTo("true");
		Http.Response outOfStock = gateway.post("/api/v1/orders",
				"{\"userId\":%d,\"items\":[{\"sku\":\"KB-001\",\"quantity\":1000}]}".formatted(userId));
		assertThat(outOfStock.status()).as(outOfStock.toString()).isEqualTo(409);
	}

	@Test
	void theClientsTraceIsInTheResponseAndInTheLogsOfEveryProcessTheRequestTouched() {
		String traceId = newTraceId();
		String requestId = "it-" + UUID.randomUUID();

		Http.Response placed = gateway.send(post("/api/v1/orders",
				"{\"userId\":%d,\"items\":[{\"sku\":\"MS-001\",\"quantity\":1}]}".formatted(userId))
			.header("traceparent", traceparent(traceId))
			.header("X-Request-Id", requestId));

		assertThat(placed.status()).as(placed.toString()).isEqualTo(201);
		assertThat(placed.raw().headers().allValues("X-Trace-Id")).containsExactly(traceId);
		assertThat(placed.raw().headers().allValues("X-Request-Id")).containsExactly(requestId);
		// gateway → order-service → user-service (the order's user is verified), each with the trace and the
		// request id on its lines.
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			for (String service : List.of("gateway-service", "order-service", "user-service")) {
				assertThat(linesWith(service, traceId)).as(service).isNotEmpty();
			}
			for (String service : List.of("order-service", "user-service")) {
				assertThat(linesWith(service, traceId)).as(service).anyMatch((line) -> line.contains(requestId));
			}
		});
	}

	@Test
	void aProblemCarriesTheTraceOfTheRequestWhereverItWasMade() {
		String traceId = newTraceId();
		Http.Response unknownUser = gateway.send(post("/api/v1/orders",
				"{\"userId\":987654321,\"items\":[{\"sku\":\"KB-001\",\"quantity\":1}]}")
			.header("traceparent", traceparent(traceId)));

		assertThat(unknownUser.status()).as(unknownUser.toString()).isEqualTo(422);
		assertThat(unknownUser.header("Content-Type")).startsWith("application/problem+json");
		assertThat(unknownUser.json().get("traceId").asString()).isEqualTo(traceId);
		assertThat(unknownUser.json().get("requestId").asString()).isEqualTo(unknownUser.header("X-Request-Id"));
		assertThat(unknownUser.header("X-Trace-Id")).isEqualTo(traceId);
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(linesWith("user-service", traceId)).anyMatch((line) -> line.contains("404")));

		String gatewayTrace = newTraceId();
		Http.Response noRoute = gateway.send(HttpRequest.newBuilder(URI.create(platform.gateway() + "/api/v1/nothing"))
			.header("traceparent", traceparent(gatewayTrace)));
		assertThat(noRoute.status()).isEqualTo(404);
		assertThat(noRoute.json().get("traceId").asString()).isEqualTo(gatewayTrace);
		assertThat(noRoute.header("X-Trace-Id")).isEqualTo(gatewayTrace);
	}

	@Test
	void requestIdsAreCheckedAtTheGatewayMadeWhenMissingAndNeverTrustedBlindly() {
		Http.Response forged = gateway.send(HttpRequest.newBuilder(URI.create(platform.gateway() + "/api/v1/products"))
			.header("X-Request-Id", "x".repeat(65)));
		assertThat(forged.status()).isEqualTo(400);
		assertThat(forged.header("Content-Type")).startsWith("application/problem+json");
		assertThat(forged.json().get("detail").asString()).contains("X-Request-Id");
		assertThat(forged.header("X-Request-Id")).isNotEqualTo("x".repeat(65)).matches("[0-9a-f-]{36}");
		Http.Response injected = gateway.send(HttpRequest.newBuilder(URI.create(platform.gateway() + "/api/v1/products"))
			.header("X-Request-Id", "id\" level=ERROR msg=\"forged"));
		assertThat(injected.status()).isEqualTo(400);

		// Made at the front door when missing: by the edge, or by a gateway that runs without one.
		Http.Response generated = gateway.get("/api/v1/products");
		assertThat(generated.raw().headers().allValues("X-Request-Id")).singleElement()
			.satisfies((id) -> assertThat(id).matches("[0-9a-f]{32}"));
		Http.Response atGateway = new Http(platform.instance("gateway-service", 1)).get("/api/v1/products");
		assertThat(atGateway.raw().headers().allValues("X-Request-Id")).singleElement()
			.satisfies((id) -> assertThat(id).matches("[0-9a-f-]{36}"));

		// A caller that bypasses the gateway gets a fresh id instead of its malformed one.
		Http.Response direct = platform.instanceAs("user-service", 1, "alice").send(HttpRequest
			.newBuilder(URI.create(platform.instance("user-service", 1) + "/api/v1/users/" + userId))
			.header("X-Request-Id", "not a valid id"));
		assertThat(direct.status()).isEqualTo(200);
		assertThat(direct.header("X-Request-Id")).matches("[0-9a-f-]{36}");
	}

	@Test
	void logsHoldNoPersonalDataAndNoCredentials() {
		String token = platform.token("alice");
		for (String service : List.of("gateway-service", "auth-service", "order-service", "user-service", "config-server")) {
			String logs = platform.logs(service);
			assertThat(logs).as(service).doesNotContain(email).doesNotContain("users-local").doesNotContain("orders-local")
				.doesNotContain("auth-local").doesNotContain(token).doesNotContain(platform.accountPassword("alice"));
			for (String application : List.of("gateway-service", "auth-service", "user-service", "order-service")) {
				assertThat(logs).as(service).doesNotContain(platform.configServerPassword(application));
			}
		}
		// Who, never with what: the access logs name the token's subject, the services' as the gateway's.
		for (String service : List.of("gateway-service", "user-service", "order-service")) {
			assertThat(platform.logs(service).lines().filter((line) -> line.contains("keel.access"))).as(service)
				.anyMatch((line) -> line.endsWith("subject alice)"));
		}
		// order-service reads profiles with its own token, never a customer's.
		assertThat(platform.logs("user-service").lines().filter((line) -> line.contains("keel.access")))
			.anyMatch((line) -> line.endsWith("subject order-service)"));
	}

	@Test
	void everyProcessExposesItsMetricsTaggedWithApplicationInstanceAndEnvironment() {
		Set<String> common = Set.of("jvm_memory_used_bytes", "jvm_gc_pause_seconds_count", "process_cpu_usage",
				"http_server_requests_seconds_bucket");
		Map<String, Set<String>> expected = Map.of("config-server", common, "auth-service",
				union(common, "keel_readiness", "hikaricp_connections_active", "keel_auth_sign_ins_total",
						"keel_auth_tokens_issued_total"),
				"user-service",
				union(common, "keel_readiness", "hikaricp_connections_active", "hikaricp_connections_pending",
						"hikaricp_connections_acquire_seconds_count", "keel_config_pending"),
				"order-service",
				union(common, "keel_readiness", "hikaricp_connections_active", "http_client_requests_seconds_count",
						"resilience4j_circuitbreaker_state", "resilience4j_bulkhead_available_concurrent_calls",
						"resilience4j_retry_calls_total", "keel_orders_placed_total", "keel_orders_out_of_stock_total",
						"keel_idempotency_replays_total", "keel_transaction_retries_total",
						"keel_transaction_calls_total", "keel_loadbalancer_requests_total",
						"keel_loadbalancer_outstanding", "keel_client_tokens_total"),
				"gateway-service",
				union(common, "keel_readiness", "spring_cloud_gateway_requests_seconds_bucket",
						"resilience4j_circuitbreaker_state", "keel_gateway_retries_total", "keel_gateway_attempts_count",
						"keel_gateway_rate_limited_total", "keel_gateway_retries_refused_total",
						"keel_loadbalancer_requests_total", "keel_loadbalancer_outstanding",
						"keel_loadbalancer_latency_seconds", "keel_loadbalancer_weight", "keel_loadbalancer_ejected",
						"keel_loadbalancer_ejections_total", "http_client_requests_seconds_count"));

		expected.forEach((application, metrics) -> {
			// The metrics of a service are those of all its instances: a replica that has served no order yet has
			// no per-operation series of its own.
			Map<String, List<String>> samples = new HashMap<>();
			actuators(application).forEach((instance, base) -> samples(scrape(base)).forEach((metric, labels) -> {
				assertThat(labels).as(instance + " " + metric)
					.allSatisfy((sample) -> assertThat(sample).contains("application=\"" + application + "\"")
						.contains("instance=\"" + instance + "\"")
						.contains("environment=\"dev\""));
				samples.computeIfAbsent(metric, (name) -> new ArrayList<>()).addAll(labels);
			}));
			assertThat(samples.keySet()).as(application).containsAll(metrics);
		});
		String orders = scrape(platform.management("order-service", 1)) + scrape(platform.management("order-service", 2));
		assertThat(value(orders, "keel_orders_placed_total")).isGreaterThanOrEqualTo(1);
		assertThat(value(orders, "keel_orders_out_of_stock_total")).isGreaterThanOrEqualTo(1);
		assertThat(value(orders, "keel_idempotency_replays_total")).isGreaterThanOrEqualTo(1);
		assertThat(samples(scrape(platform.management("auth-service", 1))).get("keel_auth_tokens_issued_total"))
			.as("order-service's own token, from auth-service")
			.anyMatch((labels) -> labels.contains("client=\"order-service\"")
					&& labels.contains("grant=\"client_credentials\""));
		String gatewayMetrics = platform.gatewayManagements().stream().map(ObservabilityIT::scrape)
			.collect(Collectors.joining());
		assertThat(samples(gatewayMetrics).get("spring_cloud_gateway_requests_seconds_count"))
			.anyMatch((labels) -> labels.contains("routeId=\"orders\""))
			.anyMatch((labels) -> labels.contains("routeId=\"users\""));
	}

	@Test
	void dashboardsAndAlertsReadOnlyMetricsTheProcessesExpose() {
		Set<String> exposed = new HashSet<>(Set.of("up")); // Prometheus' own, per target
		for (String application : List.of("config-server", "auth-service", "user-service", "order-service",
				"gateway-service")) {
			actuators(application).values().forEach((base) -> exposed.addAll(samples(scrape(base)).keySet()));
		}
		// The edge's: Nginx's stub_status, which nginx-prometheus-exporter (compose) turns into these.
		String edge = new Http("http://127.0.0.1:" + Platform.GATEWAY_MANAGEMENT_PORT).get("/stub_status").raw().body();
		assertThat(edge).contains("Active connections:", "server accepts handled requests", "Reading:", "Writing:",
				"Waiting:");
		exposed.addAll(Set.of("nginx_up", "nginx_connections_active", "nginx_connections_accepted",
				"nginx_connections_handled", "nginx_connections_reading", "nginx_connections_writing",
				"nginx_connections_waiting", "nginx_http_requests_total"));
		Set<String> read = new TreeSet<>();
		Monitoring.dashboardQueries().forEach((query) -> read.addAll(PromQl.metricNames(query)));
		Monitoring.alerts().forEach((alert) -> read.addAll(PromQl.metricNames(String.valueOf(alert.get("expr")))));

		assertThat(read).hasSizeGreaterThan(30);
		assertThat(exposed).containsAll(read);
	}

	/** The actuator of every instance of an application, by instance name. */
	private static Map<String, String> actuators(String application) {
		return switch (application) {
			case "config-server" -> Map.of(application, "http://127.0.0.1:" + Platform.CONFIG_PORT);
			default -> {
				Map<String, String> instances = new HashMap<>();
				for (int replica = 1; replica <= Platform.replicas(application); replica++) {
					instances.put(application + "#" + replica, platform.management(application, replica));
				}
				yield instances;
			}
		};
	}

	/** Lines of a service's logs, every instance's, with the text. */
	private static List<String> linesWith(String service, String text) {
		return platform.logs(service).lines().filter((line) -> line.contains(text)).toList();
	}

	private static String scrape(String base) {
		Http.Response response = new Http(base).get("/actuator/prometheus");
		assertThat(response.status()).as(base).isEqualTo(200);
		return response.raw().body();
	}

	/** Each metric's label sets, one per sample. */
	private static Map<String, List<String>> samples(String exposition) {
		Map<String, List<String>> samples = new HashMap<>();
		Matcher sample = SAMPLE.matcher(exposition);
		while (sample.find()) {
			samples.computeIfAbsent(sample.group(1), (name) -> new ArrayList<>())
				.add((sample.group(2) != null) ? sample.group(2) : "");
		}
		return samples;
	}

	private static double value(String exposition, String metric) {
		return exposition.lines()
			.filter((line) -> line.startsWith(metric + "{") || line.startsWith(metric + " "))
			.mapToDouble((line) -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
			.sum();
	}

	private static Set<String> union(Set<String> common, String... more) {
		Set<String> all = new HashSet<>(common);
		all.addAll(List.of(more));
		return all;
	}

	private static HttpRequest.Builder post(String path, String json) {
		return HttpRequest.newBuilder(URI.create(platform.gateway() + path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json));
	}

	private static String newTraceId() {
		byte[] id = new byte[16];
		ThreadLocalRandom.current().nextBytes(id);
		return HexFormat.of().formatHex(id);
	}

	private static String traceparent(String traceId) {
		return "00-" + traceId + "-" + HexFormat.of().formatHex(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }) + "-01";
	}

}
