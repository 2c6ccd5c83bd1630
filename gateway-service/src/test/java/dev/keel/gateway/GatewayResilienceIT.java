package dev.keel.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.keel.platform.discovery.InstanceHealth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retries, eviction, circuit breaking and rate limiting of config-repo's routes, in front of real HTTP
 * backends: user-service has one instance that refuses connections and one that answers; order-service's
 * only instance fails until told otherwise. The test client stands for an edge on loopback (a trusted proxy), whose
 * {@code X-Forwarded-For} would tell anonymous clients apart; authenticated ones are their token's subject.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "MANAGEMENT_PORT=0", "keel.gateway.trusted-proxies=127.0.0.1/32",
				// A refill no machine's test client is too slow to outpace, however slow the machine.
				"keel.gateway.rate-limits.users.replenish-rate=1" })
@AutoConfigureWebTestClient
class GatewayResilienceIT {

	private static final AtomicInteger statusHits = new AtomicInteger();

	private static final AtomicInteger productHits = new AtomicInteger();

	private static final AtomicInteger flakyHits = new AtomicInteger();

	private static final AtomicBoolean productsFail = new AtomicBoolean(true);

	private static HttpServer users;

	private static int refusingPort;

	private static HttpServer products;

	@Autowired
	private WebTestClient http;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private InstanceHealth health;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) throws IOException {
		users = server((exchange) -> {
			String path = exchange.getRequestURI().getPath();
			if (path.equals("/api/v1/users/flaky")) {
				// Every other attempt breaks the connection before answering, the others answer 503.
				if (flakyHits.incrementAndGet() % 2 == 1) {
					exchange.getRequestBody().readAllBytes();
					exchange.close();
					return;
				}
				respond(exchange, 503, "{}");
			}
			else if (path.startsWith("/api/v1/users/status/")) {
				statusHits.incrementAndGet();
				respond(exchange, Integer.parseInt(path.substring(path.lastIndexOf('/') + 1)), "{}");
			}
			else {
				respond(exchange, 200, "{\"ok\":true}");
			}
		});
		products = server((exchange) -> {
			if (exchange.getRequestURI().getPath().equals("/readyz")) {
				// Ready, just failing its requests: the case a circuit breaker is for.
				respond(exchange, 200, "{}");
				return;
			}
			productHits.incrementAndGet();
			respond(exchange, productsFail.get() ? 500 : 200, "{}");
		});
		refusingPort = closedPort();
		registry.add("spring.cloud.discovery.client.simple.instances.user-service[0].uri",
				() -> "http://127.0.0.1:" + refusingPort);
		registry.add("spring.cloud.discovery.client.simple.instances.user-service[1].uri",
				() -> "http://127.0.0.1:" + users.getAddress().getPort());
		registry.add("spring.cloud.discovery.client.simple.instances.order-service[0].uri",
				() -> "http://127.0.0.1:" + products.getAddress().getPort());
	}

	@AfterAll
	static void stopBackends() {
		users.stop(0);
		products.stop(0);
	}

	@Test
	void aRefusedConnectionIsRetriedOnTheOtherInstanceWhichThenTakesAllTraffic() {
		for (int i = 0; i < 20; i++) {
			this.http.get().uri("/api/v1/users/ok").exchange().expectStatus().isOk();
			// A POST that never reached a backend is retried too.
			this.http.post().uri("/api/v1/users/ok").contentType(MediaType.APPLICATION_JSON).bodyValue("{}")
				.exchange().expectStatus().isOk();
		}

		// Whether a request or the first probe found it refusing first, it was tried at most twice, not
		// every other request as round robin would without eviction.
		assertThat(retries("users", "not-connected")).as("the refusing instance left the rotation at once")
			.isLessThanOrEqualTo(2.0);
	}

	@Test
	void anAnswerThatMayHaveDoneWorkIsRetriedOnlyWhenRepeatingIsSafe() {
		awaitOnlyTheAnsweringUserServiceAdmitted();
		int before = statusHits.get();
		this.http.post().uri("/api/v1/users/status/503").contentType(MediaType.APPLICATION_JSON).bodyValue("{}")
			.exchange().expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(statusHits.get() - before).as("POST without Idempotency-Key: sent once").isEqualTo(1);

		before = statusHits.get();
		this.http.post().uri("/api/v1/users/status/503").header("Idempotency-Key", "k-1")
			.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"same\":\"body\"}")
			.exchange().expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(statusHits.get() - before).as("keyed POST: first attempt and two retries").isEqualTo(3);

		before = statusHits.get();
		this.http.get().uri("/api/v1/users/status/502").exchange().expectStatus().isEqualTo(HttpStatus.BAD_GATEWAY);
		assertThat(statusHits.get() - before).as("GET on 502").isEqualTo(3);

		before = statusHits.get();
		this.http.get().uri("/api/v1/users/status/500").exchange().expectStatus().isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		assertThat(statusHits.get() - before).as("500 is a bug, not a transient failure").isEqualTo(1);
	}

	@Test
	void errorsAndRetryableAnswersShareOneCountOfAttempts() {
		awaitOnlyTheAnsweringUserServiceAdmitted();
		int before = flakyHits.get();
		long recordedBefore = attempts("users").count();

		this.http.get().uri("/api/v1/users/flaky").exchange().expectStatus().is5xxServerError();

		assertThat(flakyHits.get() - before).as("a broken connection, a 503, a broken connection: 1 + 2 retries")
			.isEqualTo(3);
		assertThat(attempts("users").count()).isEqualTo(recordedBefore + 1);
		assertThat(attempts("users").max()).isEqualTo(3);
	}

	@Test
	void aFailingRouteOpensItsCircuitAnswers503ProblemsAndClosesAgainWhenTheServiceRecovers() {
		for (int i = 0; i < 10; i++) {
			this.http.get().uri("/api/v1/products").exchange().expectStatus().isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		}
		int hits = productHits.get();

		EntityExchangeResult<byte[]> open = this.http.get().uri("/api/v1/products").exchange()
			.expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectHeader().valueEquals("Retry-After", "5")
			.expectBody().jsonPath("$.type").isEqualTo(ProblemErrorHandler.TYPES + "circuit-open")
			.returnResult();
		assertThat(open).isNotNull();
		assertThat(productHits.get()).as("nothing sent while open").isEqualTo(hits);

		productsFail.set(false);
		await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> this.http
			.get().uri("/api/v1/products").exchange().expectStatus().isOk());
	}

	@Test
	void aClientOverItsLimitGets429WithRateLimitHeadersWhileOthersGoOn() throws Exception {
		String flooder = "Bearer " + TestIssuer.get().token("flooder", "users");
		ExecutorService clients = Executors.newFixedThreadPool(16);
		List<CompletableFuture<EntityExchangeResult<byte[]>>> requests = new ArrayList<>();
		for (int i = 0; i < 600; i++) {
			int request = i;
			// A key and an address of its own on every request: the client is its token's subject whatever it sends.
			requests.add(CompletableFuture.supplyAsync(() -> this.http.get().uri("/api/v1/users/ok")
				.header("Authorization", flooder)
				.header("X-Forwarded-For", "203.0.113." + (request % 250))
				.header("X-API-Key", "rotated-" + request)
				.exchange().expectBody().returnResult(), clients));
		}
		List<EntityExchangeResult<byte[]>> limited = new ArrayList<>();
		for (CompletableFuture<EntityExchangeResult<byte[]>> request : requests) {
			EntityExchangeResult<byte[]> result = request.get();
			assertThat(result.getStatus().value()).isIn(200, 429);
			assertThat(result.getResponseHeaders().getFirst("RateLimit-Limit")).isEqualTo("200");
			if (result.getStatus().value() == 429) {
				limited.add(result);
			}
		}
		clients.shutdown();

		assertThat(limited).as("600 requests of one client exceed a burst of 200 refilled at 1/s")
			.isNotEmpty();
		EntityExchangeResult<byte[]> tooMany = limited.get(0);
		assertThat(tooMany.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(tooMany.getResponseHeaders().getFirst("Retry-After")).isEqualTo("1");
		assertThat(tooMany.getResponseHeaders().getFirst("RateLimit-Remaining")).isEqualTo("0");
		assertThat(new String(tooMany.getResponseBody(), StandardCharsets.UTF_8))
			.contains(ProblemErrorHandler.TYPES + "too-many-requests");
		this.http.get().uri("/api/v1/users/ok").exchange().expectStatus().isOk();
	}

	/**
	 * Until the refusing instance is out of the rotation, an attempt may land on it and not be counted by the
	 * answering one: tests that count what the answering one received wait for that (a probe or a refused
	 * request does it, whichever comes first).
	 */
	private void awaitOnlyTheAnsweringUserServiceAdmitted() {
		ServiceInstance refusing = new DefaultServiceInstance("refusing", "user-service", "127.0.0.1", refusingPort,
				false);
		ServiceInstance answering = new DefaultServiceInstance("answering", "user-service", "127.0.0.1",
				users.getAddress().getPort(), false);
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.health.admitted(List.of(refusing, answering)).equals(List.of(answering)));
	}

	private DistributionSummary attempts(String route) {
		return this.meters.get("keel.gateway.attempts").tag("route", route).summary();
	}

	private double retries(String route, String reason) {
		Counter counter = this.meters.find("keel.gateway.retries").tag("route", route).tag("reason", reason).counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static HttpServer server(HttpHandler handler) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/", handler);
		server.setExecutor(Executors.newFixedThreadPool(8));
		server.start();
		return server;
	}

	private static void respond(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getRequestBody().readAllBytes();
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, bytes.length);
		exchange.getResponseBody().write(bytes);
		exchange.close();
	}

	private static int closedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
