package dev.keel.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.keel.platform.discovery.InstanceHealth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The least-loaded balancer and outlier ejection behind config-repo's routes, with two real HTTP instances of
 * each service on loopback: of user-service, one that can be made slow; of order-service, one that is ready but
 * answers every request with 500.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "MANAGEMENT_PORT=0", "keel.gateway.rate-limits.users.replenish-rate=100000",
				"keel.gateway.rate-limits.users.burst-capacity=100000",
				"keel.gateway.rate-limits.orders.replenish-rate=100000",
				"keel.gateway.rate-limits.orders.burst-capacity=100000" })
@AutoConfigureWebTestClient(timeout = "30s")
class GatewayBalancingIT {

	private static final AtomicBoolean slow = new AtomicBoolean();

	private static final AtomicInteger slowHits = new AtomicInteger();

	private static final AtomicInteger fastHits = new AtomicInteger();

	private static final AtomicInteger sickHits = new AtomicInteger();

	private static final List<HttpServer> servers = new ArrayList<>();

	private static final ScheduledExecutorService late = Executors.newScheduledThreadPool(4);

	private static int sickPort;

	private static int wellPort;

	@Autowired
	private InstanceHealth health;

	@Autowired
	private WebTestClient http;

	@Autowired
	private CircuitBreakerRegistry circuitBreakers;

	@Autowired
	private MeterRegistry meters;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) throws IOException {
		int slowPort = server((exchange) -> {
			slowHits.incrementAndGet();
			if (slow.get()) {
				// The fault under test: an instance that answers, two seconds late (a pause, a starved CPU).
				respondLater(exchange, 200, Duration.ofSeconds(2));
				return;
			}
			respond(exchange, 200);
		});
		int fastPort = server((exchange) -> {
			fastHits.incrementAndGet();
			respond(exchange, 200);
		});
		sickPort = server((exchange) -> {
			sickHits.incrementAndGet();
			respond(exchange, 500);
		});
		wellPort = server((exchange) -> {
			// Slower than the sick one's instant 500s, so that the balancer, which weighs latency, does send to
			// the sick one: a fast failing instance looks cheap until it is ejected.
			respondLater(exchange, 201, Duration.ofMillis(50));
		});
		registry.add("spring.cloud.discovery.client.simple.instances.user-service[0].uri",
				() -> "http://127.0.0.1:" + slowPort);
		registry.add("spring.cloud.discovery.client.simple.instances.user-service[1].uri",
				() -> "http://127.0.0.1:" + fastPort);
		registry.add("spring.cloud.discovery.client.simple.instances.order-service[0].uri",
				() -> "http://127.0.0.1:" + sickPort);
		registry.add("spring.cloud.discovery.client.simple.instances.order-service[1].uri",
				() -> "http://127.0.0.1:" + wellPort);
	}

	@AfterAll
	static void stopBackends() {
		slow.set(false);
		servers.forEach((server) -> server.stop(0));
		late.shutdownNow();
	}

	@Test
	void aSlowInstanceGetsFewRequestsAndNoneFail() throws Exception {
		for (int i = 0; i < 20; i++) {
			this.http.get().uri("/api/v1/users/1").exchange().expectStatus().isOk();
		}
		slow.set(true);
		int slowBefore = slowHits.get();
		int fastBefore = fastHits.get();

		ExecutorService clients = Executors.newFixedThreadPool(4);
		List<CompletableFuture<Integer>> requests = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			requests.add(CompletableFuture.supplyAsync(() -> this.http.get().uri("/api/v1/users/1").exchange()
				.expectBody().returnResult().getStatus().value(), clients));
		}
		for (CompletableFuture<Integer> request : requests) {
			assertThat(request.get(60, TimeUnit.SECONDS)).isEqualTo(200);
		}
		clients.shutdown();
		slow.set(false);

		int toSlow = slowHits.get() - slowBefore;
		int toFast = fastHits.get() - fastBefore;
		// Round robin would have sent it half of them, 100, each two seconds long. Least-loaded sends it a
		// request per client at most before its outstanding ones age past the other's latency.
		assertThat(toSlow).as("requests sent to the slow instance, of %d", toSlow + toFast).isLessThanOrEqualTo(20);
	}

	@Test
	void oneFailingInstanceIsEjectedAndTheRoutesCircuitNeverCountsItsFailures() {
		CircuitBreaker orders = this.circuitBreakers.circuitBreaker("orders");
		ServiceInstance sick = new DefaultServiceInstance("sick", "order-service", "127.0.0.1", sickPort, false);
		ServiceInstance well = new DefaultServiceInstance("well", "order-service", "127.0.0.1", wellPort, false);
		this.health.admitted(List.of(sick, well));
		// Both probed ready first: until then a failure has no healthy peer to be blamed on the instance.
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.health.hasHealthyPeer(sick) && this.health.hasHealthyPeer(well));
		int failed = 0;
		for (int i = 0; i < 60; i++) {
			// A POST without Idempotency-Key: never retried after reaching an instance, so the client sees the 500.
			int status = this.http.post().uri("/api/v1/orders").contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{}").exchange().expectBody().returnResult().getStatus().value();
			assertThat(status).isIn(201, 500);
			failed += (status == 500) ? 1 : 0;
			assertThat(orders.getState()).as("after request %d", i).isEqualTo(CircuitBreaker.State.CLOSED);
		}

		double ejections = ejections("order-service");
		assertThat(ejections).as("the failing instance was ejected").isGreaterThanOrEqualTo(1);
		assertThat(failed).as("failed answers: the sick instance's, five per ejection at most")
			.isEqualTo(sickHits.get())
			.isLessThanOrEqualTo((int) (5 * (ejections + 1)));
		assertThat(orders.getMetrics().getNumberOfFailedCalls()).as("failures the route's circuit counted").isZero();
	}

	private double ejections(String service) {
		return this.meters.find("keel.loadbalancer.ejections").tag("service", service).counters().stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	private static int server(HttpHandler requests) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/", (exchange) -> {
			if (exchange.getRequestURI().getPath().equals("/readyz")) {
				respond(exchange, 200);
			}
			else {
				requests.handle(exchange);
			}
		});
		server.setExecutor(Executors.newFixedThreadPool(16));
		server.start();
		servers.add(server);
		return server.getAddress().getPort();
	}

	private static void respond(HttpExchange exchange, int status) throws IOException {
		byte[] bytes = "{}".getBytes(StandardCharsets.UTF_8);
		exchange.getRequestBody().readAllBytes();
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, bytes.length);
		exchange.getResponseBody().write(bytes);
		exchange.close();
	}

	/** The answer sent after a delay by a timer, the handler's thread free meanwhile: a slow backend. */
	private static void respondLater(HttpExchange exchange, int status, Duration delay) {
		late.schedule(() -> {
			respond(exchange, status);
			return null;
		}, delay.toMillis(), TimeUnit.MILLISECONDS);
	}

}
