package dev.keel.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

import com.sun.net.httpserver.HttpServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A configuration refresh (any commit to config-repo, or a refresh that changes nothing) rebuilds the gateway's
 * routes; it must not close the circuits that are open nor refill the buckets clients have spent, or a refresh
 * during an outage lets the flood in again. Only the instances whose own settings changed start afresh.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "MANAGEMENT_PORT=0", "keel.gateway.trusted-proxies=127.0.0.1/32",
				"keel.gateway.rate-limits.users.replenish-rate=1", "keel.gateway.rate-limits.users.burst-capacity=100",
				"resilience4j.circuitbreaker.instances.orders.wait-duration-in-open-state=10m" })
@AutoConfigureWebTestClient
class GatewayRefreshIT {

	private static HttpServer backend;

	@Autowired
	private WebTestClient http;

	@Autowired
	private ContextRefresher refresher;

	@Autowired
	private CircuitBreakerRegistry circuitBreakers;

	@Autowired
	private ConfigurableApplicationContext context;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) throws IOException {
		backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		backend.createContext("/", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			// Ready, and failing every order request: the case a circuit breaker is for.
			boolean fails = exchange.getRequestURI().getPath().startsWith("/api/v1/products");
			byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(fails ? 500 : 200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		backend.start();
		String uri = "http://127.0.0.1:" + backend.getAddress().getPort();
		registry.add("spring.cloud.discovery.client.simple.instances.user-service[0].uri", () -> uri);
		registry.add("spring.cloud.discovery.client.simple.instances.order-service[0].uri", () -> uri);
	}

	@AfterAll
	static void stopBackend() {
		backend.stop(0);
	}

	@Test
	void aRefreshKeepsOpenCircuitsAndSpentQuotasAndRebuildsOnlyWhatItsSettingsChanged() {
		for (int i = 0; i < 10; i++) {
			this.http.get().uri("/api/v1/products").exchange().expectStatus().isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		}
		this.http.get().uri("/api/v1/products").exchange().expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		for (int i = 0; i < 100; i++) {
			this.http.get().uri("/api/v1/users/1").header("X-Forwarded-For", "198.51.100.1").exchange();
		}
		CircuitBreaker orders = this.circuitBreakers.circuitBreaker("orders");
		CircuitBreaker users = this.circuitBreakers.circuitBreaker("users");
		assertThat(orders.getState()).isEqualTo(CircuitBreaker.State.OPEN);

		this.refresher.refresh();

		this.http.get().uri("/api/v1/products").exchange().expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(this.circuitBreakers.circuitBreaker("orders")).as("the same breaker, still open").isSameAs(orders);
		assertThat(orders.getState()).isEqualTo(CircuitBreaker.State.OPEN);
		String remaining = this.http.get().uri("/api/v1/users/1").header("X-Forwarded-For", "198.51.100.1").exchange()
			.returnResult(byte[].class).getResponseHeaders().getFirst("RateLimit-Remaining");
		assertThat(Integer.parseInt(remaining)).as("tokens left of 100, refilled at 1 a second").isLessThan(50);

		this.context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("commit",
				Map.of("resilience4j.circuitbreaker.instances.users.failure-rate-threshold", "60")));
		this.context.publishEvent(new EnvironmentChangeEvent(this.context,
				Set.of("resilience4j.circuitbreaker.instances.users.failure-rate-threshold")));

		assertThat(this.circuitBreakers.circuitBreaker("users")).as("rebuilt with its new settings").isNotSameAs(users)
			.satisfies((breaker) -> assertThat(breaker.getCircuitBreakerConfig().getFailureRateThreshold()).isEqualTo(60));
		assertThat(this.circuitBreakers.circuitBreaker("orders")).as("untouched").isSameAs(orders);
		assertThat(orders.getState()).isEqualTo(CircuitBreaker.State.OPEN);
	}

}
