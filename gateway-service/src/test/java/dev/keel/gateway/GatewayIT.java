package dev.keel.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway with config-repo's routes in front of a real HTTP backend found through simple discovery.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "MANAGEMENT_PORT=0")
@AutoConfigureWebTestClient
class GatewayIT {

	private static HttpServer userService;

	@Autowired
	private WebTestClient http;

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) throws IOException {
		userService = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		userService.createContext("/", (exchange) -> {
			byte[] body = "{\"method\":\"%s\",\"uri\":\"%s\"}"
				.formatted(exchange.getRequestMethod(), exchange.getRequestURI())
				.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		userService.start();
		registry.add("spring.cloud.discovery.client.simple.instances.user-service[0].uri",
				() -> "http://127.0.0.1:" + userService.getAddress().getPort());
	}

	@AfterAll
	static void stopBackend() {
		userService.stop(0);
	}

	@Test
	void routesApiPathsToTheServiceUnchanged() {
		this.http.get()
			.uri("/api/v1/users/42?page=1")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.method")
			.isEqualTo("GET")
			.jsonPath("$.uri")
			.isEqualTo("/api/v1/users/42?page=1");
		this.http.post()
			.uri("/api/v1/users")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.uri")
			.isEqualTo("/api/v1/users");
	}

	@Test
	void unknownPathIsA404Problem() {
		problem(this.http.get().uri("/api/v2/users").exchange(), HttpStatus.NOT_FOUND, "not-found");
		problem(this.http.get().uri("/").exchange(), HttpStatus.NOT_FOUND, "not-found");
	}

	@Test
	void serviceWithoutInstancesIsA503ProblemWithRetryAfter() {
		problem(this.http.get().uri("/api/v1/products").exchange(), HttpStatus.SERVICE_UNAVAILABLE,
				"service-unavailable")
			.consumeWith((result) -> assertThat(result.getResponseHeaders().getFirst("Retry-After")).isNotBlank());
	}

	@Test
	void actuatorIsOnlyOnTheManagementPort() {
		problem(this.http.get().uri("/actuator/health").exchange(), HttpStatus.NOT_FOUND, "not-found");
		WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.managementPort)
			.build()
			.get()
			.uri("/actuator/health/readiness")
			.exchange()
			.expectStatus()
			.isOk();
	}

	@Test
	void pathsThatABackendWouldResolveElsewhereNeverReachIt() {
		for (String path : new String[] { "/api/v1/users/../../../actuator/env", "/api/v1/users/%2e%2e/%2E%2E/x",
				"/api/v1/users/..%2f..%2factuator", "/api/v1/users/./1", "/api/v1/users//1" }) {
			problem(this.http.get().uri(URI.create("http://127.0.0.1:" + this.port + path)).exchange(),
					HttpStatus.BAD_REQUEST, "bad-request");
		}
	}

	private static WebTestClient.BodyContentSpec problem(WebTestClient.ResponseSpec response, HttpStatus status,
			String type) {
		return response.expectStatus()
			.isEqualTo(status)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo(ProblemErrorHandler.TYPES + type)
			.jsonPath("$.status")
			.isEqualTo(status.value());
	}

}
