package dev.keel.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the gateway lets through: only requests with an access token it verified, but for the public list, and only
 * to APIs the token's scopes allow. Every refusal is a problem with RFC 6750's challenge, and never reaches a service.
 */
// A tight rate limit per subject (3, then 1/s) for the rate-limit test: every other test has subjects of its own.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "MANAGEMENT_PORT=0", "keel.gateway.rate-limits.users.replenish-rate=1",
				"keel.gateway.rate-limits.users.burst-capacity=3", "keel.security.jwks.max-age=2s",
				"keel.security.jwks.unknown-key-interval=5s" })
@Import(GatewayTokenIT.Spans.class)
class GatewayTokenIT {

	/** Each request's observation as it ended (it becomes the request's span): its path and its caller. */
	private static final Queue<String> observed = new ConcurrentLinkedQueue<>();

	private static HttpServer services;

	private static final Queue<String> received = new ConcurrentLinkedQueue<>();

	private final TestIssuer issuer = TestIssuer.get();

	@LocalServerPort
	private int port;

	@Autowired
	private MeterRegistry meters;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) throws IOException {
		services = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		services.createContext("/", (exchange) -> {
			if (!exchange.getRequestURI().getPath().equals("/readyz")) {
				received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
						+ exchange.getRequestHeaders().getFirst("Authorization"));
			}
			byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		services.start();
		for (String service : List.of("user-service", "order-service")) {
			registry.add("spring.cloud.discovery.client.simple.instances." + service + "[0].uri",
					() -> "http://127.0.0.1:" + services.getAddress().getPort());
		}
	}

	@AfterAll
	static void stopServices() {
		services.stop(0);
	}

	@BeforeEach
	void forget() {
		received.clear();
	}

	@Test
	void aVerifiedTokenReachesTheServiceWhichGetsItToo() {
		String token = this.issuer.token("reader", "users");

		call("GET", "/api/v1/users/1", token).expectStatus().isOk();

		assertThat(received).containsExactly("GET /api/v1/users/1 Bearer " + token);
	}

	@Test
	void theRequestsSpanNamesTheCallerByTheTokensSubject() {
		call("GET", "/api/v1/users/7", this.issuer.token("traced", "users")).expectStatus().isOk();

		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(observed).contains("/api/v1/users/7 traced"));
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Spans {

		@Bean
		ObservationHandler<ServerRequestObservationContext> requestsAsTheyEnd() {
			return new ObservationHandler<>() {

				@Override
				public void onStop(ServerRequestObservationContext context) {
					KeyValue caller = context.getHighCardinalityKeyValue("enduser.id");
					observed.add(context.getCarrier().getPath().value() + " " + ((caller != null) ? caller.getValue() : "-"));
				}

				@Override
				public boolean supportsContext(Observation.Context context) {
					return context instanceof ServerRequestObservationContext;
				}

			};
		}

	}

	@Test
	void withoutATokenOnlyThePublicListIsOpen() {
		call("GET", "/api/v1/products", null).expectStatus().isOk();
		call("GET", "/api/v1/products/KB-001", null).expectStatus().isOk();

		for (String[] request : List.of(new String[] { "GET", "/api/v1/users" }, new String[] { "GET", "/api/v1/users/1" },
				new String[] { "DELETE", "/api/v1/users/1" }, new String[] { "POST", "/api/v1/orders" },
				new String[] { "GET", "/api/v1/orders?userId=1" }, new String[] { "POST", "/api/v1/products" })) {
			unauthorized(call(request[0], request[1], null), "Bearer");
		}
		assertThat(received).containsExactly("GET /api/v1/products null", "GET /api/v1/products/KB-001 null");
	}

	@Test
	void tokensThatAreNotTheIssuersValidOnesAreRefused() throws Exception {
		Instant now = Instant.now();
		String valid = this.issuer.token((claims) -> claims.subject("tamper-test"));
		String[] parts = valid.split("\\.");
		Map<String, String> refused = new LinkedHashMap<>();
		refused.put("malformed", "not-a-jwt");
		refused.put("three garbage parts", "abc.def.ghi");
		refused.put("expired", this.issuer.token((claims) -> claims.expirationTime(Date.from(now.minusSeconds(120)))
			.issueTime(Date.from(now.minusSeconds(1000)))
			.notBeforeTime(Date.from(now.minusSeconds(1000)))));
		refused.put("not yet valid", this.issuer.token((claims) -> claims.notBeforeTime(Date.from(now.plusSeconds(300)))));
		refused.put("another issuer", this.issuer.token((claims) -> claims.issuer("http://evil.test")));
		refused.put("another audience", this.issuer.token((claims) -> claims.audience("another-api")));
		refused.put("no audience", this.issuer.token((claims) -> claims.audience((String) null)));
		refused.put("no expiry", this.issuer.token((claims) -> claims.expirationTime(null)));
		refused.put("no subject", this.issuer.token((claims) -> claims.subject(null)));
		refused.put("alg none", base64("{\"alg\":\"none\"}") + "." + parts[1] + ".");
		SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("test-1").build(),
				TestIssuer.claims("test-user", "users", "orders").build());
		hmac.sign(new MACSigner(this.issuer.key().toPublicJWK().toRSAPublicKey().getEncoded()));
		refused.put("HS256 with the public key as secret", hmac.serialize());
		refused.put("a key rotated out (not published)",
				TestIssuer.sign(this.issuer.unpublishedKey(), TestIssuer.claims("test-user", "users", "orders").build()));
		refused.put("tampered payload", parts[0] + "."
				+ base64(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
					.replace("\"sub\":\"tamper-test\"", "\"sub\":\"admin\""))
				+ "." + parts[2]);

		refused.forEach((what, token) -> unauthorized(call("GET", "/api/v1/users/1", token), "Bearer error=\"invalid_token\""));
		assertThat(received).as("requests that reached a service").isEmpty();
		call("GET", "/api/v1/users/1", valid).expectStatus().isOk();
	}

	@Test
	void aKeyTheIssuerWithdrawsStopsVerifyingOnceTheGatewayFetchesTheKeysAgain() {
		String signedWithSecond = TestIssuer.sign(this.issuer.secondKey(),
				TestIssuer.claims("withdrawal-test", "users").build());
		call("GET", "/api/v1/users/1", signedWithSecond).expectStatus().isOk();
		assertThat(knownKey("test-2")).as("keel.security.jwks.keys{kid=test-2}").isTrue();
		try {
			this.issuer.withdrawSecondKey(true);

			// keel.security.jwks.max-age is 2 s and a fetch may follow the last one after 5 s here: a generous
			// deadline for a slow machine.
			await().atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(500))
				.untilAsserted(() -> call("GET", "/api/v1/users/1", signedWithSecond).expectStatus()
					.isEqualTo(HttpStatus.UNAUTHORIZED));
			call("GET", "/api/v1/users/1", this.issuer.token("withdrawal-check", "users")).expectStatus().isOk();
			assertThat(knownKey("test-2")).as("what a rotation waits for is seen").isFalse();
		}
		finally {
			this.issuer.withdrawSecondKey(false);
		}
	}

	private boolean knownKey(String kid) {
		return this.meters.find("keel.security.jwks.keys").tag("kid", kid).gauge() != null;
	}

	@Test
	void madeUpKeyIdsDoNotMakeTheGatewayAskTheIssuerForEachToken() {
		call("GET", "/api/v1/users/1", this.issuer.token("kid-test", "users")).expectStatus().isOk();
		int before = this.issuer.fetches();
		long start = System.nanoTime();
		for (int i = 0; i < 40; i++) {
			RSAKey madeUp = new RSAKey.Builder(this.issuer.unpublishedKey()).keyID("made-up-" + i).build();
			unauthorized(call("GET", "/api/v1/users/1", TestIssuer.sign(madeUp, TestIssuer.claims("x", "users").build())),
					"Bearer error=\"invalid_token\"");
		}
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

		// At most one fetch per 5 s (keel.security.jwks.unknown-key-interval here), whatever the kids.
		assertThat(this.issuer.fetches() - before).as("key set fetches in %s", elapsed)
			.isLessThanOrEqualTo(1 + (int) (elapsed.toMillis() / 5000));
	}

	@Test
	void aTokenWithoutTheApisScopeIsForbidden() {
		String ordersOnly = this.issuer.token("shopper", "orders");

		call("GET", "/api/v1/orders/1", ordersOnly).expectStatus().isOk();
		problem(call("GET", "/api/v1/users/1", ordersOnly), HttpStatus.FORBIDDEN, "forbidden").expectHeader()
			.valueEquals("WWW-Authenticate", "Bearer error=\"insufficient_scope\"");
		assertThat(received).containsExactly("GET /api/v1/orders/1 Bearer " + ordersOnly);
	}

	@Test
	void refusalsAreCountedByStatusAndApi() {
		double before = refused("401", "orders");
		double forbidden = refused("403", "users");

		unauthorized(call("POST", "/api/v1/orders", null), "Bearer");
		problem(call("GET", "/api/v1/users/1", this.issuer.token("shopper", "orders")), HttpStatus.FORBIDDEN, "forbidden");

		assertThat(refused("401", "orders")).isEqualTo(before + 1);
		assertThat(refused("403", "users")).isEqualTo(forbidden + 1);
	}

	private double refused(String status, String api) {
		Counter counter = this.meters.find("keel.gateway.auth.refused").tag("status", status).tag("api", api).counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Test
	void onlyAnAdministratorListsEveryUser() {
		String customer = this.issuer.token((claims) -> claims.subject("a-customer").claim("roles", List.of("customer")));
		String admin = this.issuer.token((claims) -> claims.subject("an-admin").claim("roles", List.of("admin")));

		for (String path : List.of("/api/v1/users", "/api/v1/users/", "/api/v1/users?page=0&size=100")) {
			problem(call("GET", path, customer), HttpStatus.FORBIDDEN, "forbidden");
		}
		call("GET", "/api/v1/users?size=1", admin).expectStatus().isOk();
		assertThat(received).containsExactly("GET /api/v1/users Bearer " + admin);
	}

	@Test
	void rateLimitsAreEachSubjectsWhateverAddressOrApiKeyItSends() {
		String alice = this.issuer.token("limit-alice", "users");
		String bob = this.issuer.token("limit-bob", "users");
		for (int i = 0; i < 3; i++) {
			call("GET", "/api/v1/users/1", alice).expectStatus().isOk();
		}
		problem(call("GET", "/api/v1/users/1", alice), HttpStatus.TOO_MANY_REQUESTS, "too-many-requests");
		client().get()
			.uri("/api/v1/users/1")
			.header("Authorization", "Bearer " + alice)
			.header("X-API-Key", "a-fresh-key")
			.header("X-Forwarded-For", "198.51.100.7")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS);

		call("GET", "/api/v1/users/1", bob).expectStatus().isOk();
	}

	private WebTestClient client() {
		// Generous: a slow machine's first verification (fetching the keys) may take seconds.
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

	private WebTestClient.ResponseSpec call(String method, String path, String token) {
		WebTestClient.RequestBodySpec request = client().method(HttpMethod.valueOf(method))
			.uri(path)
			.contentType(MediaType.APPLICATION_JSON);
		if (token != null) {
			request.header("Authorization", "Bearer " + token);
		}
		return method.equals("GET") || method.equals("DELETE") ? request.exchange() : request.bodyValue("{}").exchange();
	}

	private static void unauthorized(WebTestClient.ResponseSpec response, String challenge) {
		problem(response, HttpStatus.UNAUTHORIZED, "unauthorized").expectHeader().valueEquals("WWW-Authenticate", challenge);
	}

	private static WebTestClient.ResponseSpec problem(WebTestClient.ResponseSpec response, HttpStatus status,
			String type) {
		response.expectStatus()
			.isEqualTo(status)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo(ProblemErrorHandler.TYPES + type);
		return response;
	}

	private static String base64(String json) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
	}

}
