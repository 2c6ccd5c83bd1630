package dev.keel.order.orders;

import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.keel.platform.test.MySqlProxy;
import dev.keel.platform.test.SharedEmbeddedMariaDb;
import dev.keel.platform.test.TestIssuer;

import static dev.keel.order.orders.TestCatalogue.newUserId;
import static dev.keel.platform.test.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The commit of an order reaches the real MariaDB, which stores it, and the connection breaks before
 * order-service hears so (a proxy between them drops the answer). The order must exist once, its stock be
 * taken once, and the client be told the outcome is unknown: running the transaction again would place a
 * second order.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CommitOutcomeUnknownIT {

	private static final MySqlProxy database = MySqlProxy.to(SharedEmbeddedMariaDb.get().port());

	@Autowired
	private JdbcTemplate jdbc;

	@LocalServerPort
	private int port;

	private RestTestClient http;

	private String subject;

	/**
	 * The JDK's client, as between services: the auto-configured one is Apache HttpClient 5 (on the class path
	 * for the config client), which sends a POST again after a 503 with Retry-After and would hide the answer.
	 */
	@BeforeEach
	void client() {
		this.subject = "customer-" + UUID.randomUUID();
		this.http = RestTestClient.bindToServer(new JdkClientHttpRequestFactory())
			.baseUrl("http://127.0.0.1:" + this.port)
			.defaultHeader("Authorization", "Bearer " + TestIssuer.get().customer(this.subject))
			.build();
	}

	@DynamicPropertySource
	static void throughTheProxy(DynamicPropertyRegistry registry) {
		registry.add("keel.db.port", database::port);
		registry.add("keel.db.ssl-mode", () -> "DISABLED");
	}

	@AfterAll
	static void closeProxy() {
		database.close();
	}

	@Test
	void anOrderWithoutKeyIsStoredOnceAndAnsweredAsOutcomeUnknown() {
		TestCatalogue catalogue = new TestCatalogue(this.jdbc);
		String sku = catalogue.product("3.00", 10);
		long user = newUserId(this.subject);
		int dropped = database.droppedCommitAnswers();

		database.dropAnswerToNextWritingCommit();
		assertProblem(post(order(user, sku), null), HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable")
			.jsonPath("$.operation")
			.isEqualTo("placeOrder");

		assertThat(database.droppedCommitAnswers()).as("the commit's answer was lost").isEqualTo(dropped + 1);
		assertThat(catalogue.ordersOf(user)).as("orders stored").isEqualTo(1);
		assertThat(catalogue.stock(sku)).as("stock taken once").isEqualTo(9);
	}

	@Test
	void aKeyedOrderWhoseOutcomeWasUnknownIsReplayedWhenTheClientRetries() {
		TestCatalogue catalogue = new TestCatalogue(this.jdbc);
		String sku = catalogue.product("3.00", 10);
		long user = newUserId(this.subject);
		String key = UUID.randomUUID().toString();

		database.dropAnswerToNextWritingCommit();
		assertProblem(post(order(user, sku), key), HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable")
			.jsonPath("$.operation")
			.isEqualTo("placeOrder");
		OrderResponse retried = post(order(user, sku), key).expectStatus()
			.isCreated()
			.expectHeader()
			.valueEquals("Idempotent-Replayed", "true")
			.expectBody(OrderResponse.class)
			.returnResult()
			.getResponseBody();

		assertThat(retried.userId()).isEqualTo(user);
		assertThat(catalogue.ordersOf(user)).isEqualTo(1);
		assertThat(catalogue.stock(sku)).isEqualTo(9);
	}

	@Test
	void aConnectionLostDuringAReadIsA503ProblemNotAServerError() {
		TestCatalogue catalogue = new TestCatalogue(this.jdbc);
		String sku = catalogue.product("3.00", 10);

		database.dropAnswerToNextCommit();
		assertProblem(this.http.get().uri("/api/v1/products/" + sku).exchange(), HttpStatus.SERVICE_UNAVAILABLE,
				"database-unavailable");
	}

	private RestTestClient.ResponseSpec post(String body, String key) {
		RestTestClient.RequestBodySpec request = this.http.post()
			.uri("/api/v1/orders")
			.contentType(MediaType.APPLICATION_JSON);
		if (key != null) {
			request.header("Idempotency-Key", key);
		}
		return request.body(body).exchange();
	}

	private static String order(long user, String sku) {
		return "{\"userId\":%d,\"items\":[{\"sku\":\"%s\",\"quantity\":1}]}".formatted(user, sku);
	}

}
