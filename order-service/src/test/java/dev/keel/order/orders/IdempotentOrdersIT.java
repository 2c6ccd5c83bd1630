package dev.keel.order.orders;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.keel.platform.idempotency.IdempotencyStore;

import dev.keel.platform.test.Problems;
import dev.keel.platform.test.TestIssuer;

import static dev.keel.platform.test.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idempotent order creation on the real database: a key is stored with its order, in the same transaction,
 * and a repeated request gets the original order back, never a second one.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class IdempotentOrdersIT {

	private static final TestIssuer issuer = TestIssuer.get();

	@Autowired
	private RestTestClient anonymous;

	/** A customer of their own for each test. */
	private RestTestClient http;

	private String subject;

	@BeforeEach
	void signIn() {
		this.subject = "customer-" + UUID.randomUUID();
		this.http = as(issuer.customer(this.subject));
	}

	private RestTestClient as(String token) {
		return TestIssuer.signedIn(this.anonymous, token);
	}

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private DataSource dataSource;

	@Autowired
	private IdempotencyStore store;

	@LocalServerPort
	private int port;

	private TestCatalogue catalogue;

	@BeforeEach
	void catalogue() {
		this.catalogue = new TestCatalogue(this.jdbc);
	}

	@Test
	void theSameRequestAgainReplaysTheOriginalOrder() {
		String sku = this.catalogue.product("4.00", 10);
		long user = TestCatalogue.newUserId(this.subject);
		String key = UUID.randomUUID().toString();

		EntityExchangeResult<OrderResponse> first = post(key, order(user, sku, 3));
		EntityExchangeResult<OrderResponse> again = post(key, order(user, sku, 3));

		assertThat(first.getStatus()).isEqualTo(HttpStatus.CREATED);
		assertThat(first.getResponseHeaders().getFirst("Idempotent-Replayed")).isNull();
		assertThat(again.getStatus()).isEqualTo(HttpStatus.CREATED);
		assertThat(again.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
		assertThat(again.getResponseHeaders().getLocation()).isEqualTo(first.getResponseHeaders().getLocation());
		assertThat(again.getResponseBody()).isEqualTo(first.getResponseBody());
		assertThat(this.catalogue.stock(sku)).as("reserved once").isEqualTo(7);
		assertThat(this.catalogue.ordersOf(user)).isEqualTo(1);
	}

	@Test
	void theSameKeyForAnotherRequestIsUnprocessable() {
		String sku = this.catalogue.product("4.00", 10);
		long user = TestCatalogue.newUserId(this.subject);
		String key = UUID.randomUUID().toString();
		post(key, order(user, sku, 1));

		assertProblem(send(key, order(user, sku, 2)), HttpStatus.UNPROCESSABLE_CONTENT, "idempotency-key-reused");

		assertThat(this.catalogue.stock(sku)).isEqualTo(9);
		assertThat(this.catalogue.ordersOf(user)).isEqualTo(1);
	}

	@Test
	void concurrentRequestsWithOneKeyPlaceExactlyOneOrder() throws Exception {
		String sku = this.catalogue.product("4.00", 100);
		long user = TestCatalogue.newUserId(this.subject);
		String key = UUID.randomUUID().toString();
		int clients = 12;
		CyclicBarrier start = new CyclicBarrier(clients);
		List<CompletableFuture<EntityExchangeResult<byte[]>>> requests = new ArrayList<>();
		for (int i = 0; i < clients; i++) {
			requests.add(CompletableFuture.supplyAsync(() -> {
				await(start);
				return send(key, order(user, sku, 5)).expectBody().returnResult();
			}));
		}

		List<EntityExchangeResult<byte[]>> results = new ArrayList<>();
		for (CompletableFuture<EntityExchangeResult<byte[]>> request : requests) {
			results.add(request.get(60, TimeUnit.SECONDS));
		}

		assertThat(results).extracting((result) -> result.getStatus().value())
			.as("the replay or 'in progress', never a second order")
			.allSatisfy((status) -> assertThat(status).isIn(201, 409));
		assertThat(results).filteredOn((result) -> result.getStatus().value() == 201)
			.extracting((result) -> result.getResponseHeaders().getLocation())
			.isNotEmpty()
			.containsOnly(results.stream()
				.filter((result) -> result.getStatus().value() == 201)
				.findFirst()
				.orElseThrow()
				.getResponseHeaders()
				.getLocation());
		assertThat(this.catalogue.ordersOf(user)).isEqualTo(1);
		assertThat(this.catalogue.stock(sku)).as("one reservation").isEqualTo(95);
	}

	@Test
	void aRefusedRequestDoesNotUseUpItsKey() {
		String sku = this.catalogue.product("4.00", 1);
		long user = TestCatalogue.newUserId(this.subject);
		String key = UUID.randomUUID().toString();

		assertProblem(send(key, order(user, sku, 2)), HttpStatus.CONFLICT, "out-of-stock");
		this.jdbc.update("UPDATE products SET stock = 5 WHERE sku = ?", sku);
		EntityExchangeResult<OrderResponse> retried = post(key, order(user, sku, 2));

		assertThat(retried.getStatus()).isEqualTo(HttpStatus.CREATED);
		assertThat(retried.getResponseHeaders().getFirst("Idempotent-Replayed")).isNull();
		assertThat(this.catalogue.stock(sku)).isEqualTo(3);
	}

	@Test
	void malformedKeysAreBadRequests() {
		String sku = this.catalogue.product("4.00", 5);
		long user = TestCatalogue.newUserId(this.subject);
		for (String key : List.of("", "has space", "x".repeat(256))) {
			assertProblem(send(key, order(user, sku, 1)), HttpStatus.BAD_REQUEST, "invalid-idempotency-key");
		}
		assertThat(this.catalogue.stock(sku)).isEqualTo(5);
	}

	@Test
	void expiredKeysAreForgottenAndCleanedUp() {
		String sku = this.catalogue.product("4.00", 5);
		long user = TestCatalogue.newUserId(this.subject);
		String key = UUID.randomUUID().toString();
		OrderResponse old = post(key, order(user, sku, 1)).getResponseBody();
		this.jdbc.update("UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND "
				+ "WHERE idempotency_key = ?", key);

		EntityExchangeResult<OrderResponse> reused = post(key, order(user, sku, 2));

		assertThat(reused.getStatus()).isEqualTo(HttpStatus.CREATED);
		assertThat(reused.getResponseBody().id()).isNotEqualTo(old.id());
		this.jdbc.update("UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND "
				+ "WHERE idempotency_key = ?", key);
		assertThat(this.store.deleteExpired()).isGreaterThanOrEqualTo(1);
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = ?",
				Integer.class, key)).isZero();
	}

	@Test
	void aLockHeldLongerThanTheRetryBudgetIsA503AndStoresNothing() throws Exception {
		String sku = this.catalogue.product("4.00", 5);
		long user = TestCatalogue.newUserId(this.subject);
		String key = UUID.randomUUID().toString();
		HttpResponse<String> response;
		long start = System.nanoTime();
		try (Connection holder = this.dataSource.getConnection();
				PreparedStatement lock = holder.prepareStatement("SELECT * FROM products WHERE sku = ? FOR UPDATE")) {
			holder.setAutoCommit(false);
			lock.setString(1, sku);
			lock.executeQuery().close();
			// The JDK client: one request, no automatic re-send of the 503 that would skew the timing.
			response = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/v1/orders"))
					.header("Content-Type", "application/json")
					.header("Authorization", "Bearer " + issuer.customer(this.subject))
					.header("Idempotency-Key", key)
					.POST(HttpRequest.BodyPublishers.ofString(order(user, sku, 1)))
					.build(), HttpResponse.BodyHandlers.ofString());
			holder.rollback();
		}
		Duration took = Duration.ofNanos(System.nanoTime() - start);

		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(response.body()).contains(Problems.TYPES + "database-contention");
		// max-total-time 5 s: no attempt starts after it, and the one running ends within a lock wait (3 s).
		assertThat(took).as("bounded by the retry budget").isLessThan(Duration.ofSeconds(9));
		assertThat(this.catalogue.stock(sku)).isEqualTo(5);
		assertThat(this.catalogue.ordersOf(user)).isZero();

		EntityExchangeResult<OrderResponse> later = post(key, order(user, sku, 1));
		assertThat(later.getStatus()).as("the key was not used up").isEqualTo(HttpStatus.CREATED);
		assertThat(later.getResponseHeaders().getFirst("Idempotent-Replayed")).isNull();
	}

	@Test
	void keysAreEachClientsOwn() {
		String sku = this.catalogue.product("1.00", 10);
		long user = TestCatalogue.newUserId(this.subject);
		String key = UUID.randomUUID().toString();
		OrderResponse first = post(key, order(user, sku, 1)).getResponseBody();
		String someoneElse = "another-" + UUID.randomUUID();
		this.http = as(issuer.customer(someoneElse));

		EntityExchangeResult<OrderResponse> another = post(key, order(TestCatalogue.newUserId(someoneElse), sku, 1));

		assertThat(another.getResponseHeaders().getFirst("Idempotent-Replayed")).as("not the first client's order")
			.isNull();
		assertThat(another.getResponseBody().id()).isNotEqualTo(first.id());
		assertThat(this.catalogue.stock(sku)).isEqualTo(8);
	}

	private EntityExchangeResult<OrderResponse> post(String key, String body) {
		return send(key, body).expectStatus().isCreated().expectBody(OrderResponse.class).returnResult();
	}

	private RestTestClient.ResponseSpec send(String key, String body) {
		return this.http.post()
			.uri("/api/v1/orders")
			.header("Idempotency-Key", key)
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.exchange();
	}

	private static String order(long user, String sku, int quantity) {
		return "{\"userId\":%d,\"items\":[{\"sku\":\"%s\",\"quantity\":%d}]}".formatted(user, sku, quantity);
	}


	private static void await(CyclicBarrier barrier) {
		try {
			barrier.await(10, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
