package dev.keel.order.orders;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import dev.keel.order.users.UserServiceStub;
import dev.keel.platform.test.ApiDescription;
import dev.keel.platform.test.TestIssuer;

import static dev.keel.platform.test.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orders and products over real HTTP against the real embedded MariaDB; user-service is a stub reached
 * through discovery and the load balancer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class OrderApiIT {

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

	@AfterEach
	void userServiceBack() {
		UserServiceStub.failing(false);
	}

	@Nested
	class Place {

		@Test
		void reservesStockAndStoresTheOrderWithPricesAndTotal() {
			String keyboard = product("19.99", 10);
			String mouse = product("5.50", 3);
			long user = newUserId();

			OrderResponse order = http.post()
				.uri("/api/v1/orders")
				.contentType(MediaType.APPLICATION_JSON)
				.body(order(user, keyboard, 2, mouse, 3))
				.exchange()
				.expectStatus()
				.isCreated()
				.expectHeader()
				.valueMatches("Location", "/api/v1/orders/\\d+")
				.expectBody(OrderResponse.class)
				.returnResult()
				.getResponseBody();

			assertThat(order.userId()).isEqualTo(user);
			assertThat(order.status()).isEqualTo(OrderStatus.CONFIRMED);
			assertThat(order.items()).containsExactly(new OrderResponse.Item(keyboard, 2, new BigDecimal("19.99")),
					new OrderResponse.Item(mouse, 3, new BigDecimal("5.50")));
			assertThat(order.total()).isEqualByComparingTo("56.48");
			assertThat(stock(keyboard)).isEqualTo(8);
			assertThat(stock(mouse)).isZero();
			assertThat(get(order.id())).isEqualTo(order);
		}

		@Test
		void outOfStockNamesTheSkuAndReservesNothing() {
			String plenty = product("1.00", 10);
			String scarce = product("1.00", 1);
			long user = newUserId();

			assertProblem(post(order(user, plenty, 5, scarce, 2)), HttpStatus.CONFLICT, "out-of-stock").jsonPath("$.sku")
				.isEqualTo(scarce)
				.jsonPath("$.available")
				.isEqualTo(1);

			assertThat(stock(plenty)).as("the first line's reservation was rolled back").isEqualTo(10);
			assertThat(stock(scarce)).isEqualTo(1);
			assertThat(ordersOf(user)).isZero();
		}

		@Test
		void skusAreCaseInsensitive() {
			String sku = product("2.00", 5);

			post(order(newUserId(), sku.toLowerCase(), 1)).expectStatus().isCreated();

			assertThat(stock(sku)).isEqualTo(4);
		}

		@Test
		void unknownSkuIsUnprocessable() {
			String known = product("1.00", 5);

			assertProblem(post(order(newUserId(), known, 1, "NO-SUCH-SKU", 1)), HttpStatus.UNPROCESSABLE_CONTENT,
					"unknown-product")
				.jsonPath("$.skus[0]")
				.isEqualTo("NO-SUCH-SKU");
			assertThat(stock(known)).isEqualTo(5);
		}

		@Test
		void unknownUserIsUnprocessable() {
			String sku = product("1.00", 5);

			assertProblem(post(order(UserServiceStub.UNKNOWN_FROM + 1, sku, 1)), HttpStatus.UNPROCESSABLE_CONTENT,
					"unknown-user");
			assertThat(stock(sku)).isEqualTo(5);
		}

		@Test
		void userServiceUnavailableIs503AndStoresNothing() {
			String sku = product("1.00", 5);
			long user = newUserId();
			UserServiceStub.failing(true);

			assertProblem(post(order(user, sku, 1)), HttpStatus.SERVICE_UNAVAILABLE, "dependency-unavailable");

			assertThat(stock(sku)).isEqualTo(5);
			assertThat(ordersOf(user)).isZero();
		}

		@Test
		void malformedOrdersAreBadRequests() {
			String sku = product("1.00", 5);
			String[] bodies = { "{\"userId\":1,\"items\":[]}", "{\"userId\":1}", "{\"items\":[{\"sku\":\"" + sku
					+ "\",\"quantity\":1}]}", "{\"userId\":1,\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":0}]}",
					"{\"userId\":1,\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":-3}]}",
					"{\"userId\":1,\"items\":[{\"sku\":\"" + sku + "\"}]}", "{\"userId\":1,\"items\":[null]}",
					"{\"userId\":-1,\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":1}]}",
					"{\"userId\":1,\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":1},{\"sku\":\"" + sku
							+ "\",\"quantity\":2}]}" };
			for (String body : bodies) {
				assertProblem(post(body), HttpStatus.BAD_REQUEST, "validation");
			}
			for (String body : List.of("{\"userId\":\"one\",\"items\":[]}",
					"{\"userId\":1,\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":\"two\"}]}",
					"{\"userId\":1,\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":99999999999}]}", "{")) {
				assertProblem(post(body), HttpStatus.BAD_REQUEST, "malformed-request");
			}
			assertThat(stock(sku)).isEqualTo(5);
		}

		@Test
		void duplicateLinesPointAtTheItems() {
			String sku = product("1.00", 5);

			assertProblem(post(order(newUserId(), sku, 1, sku.toLowerCase(), 1)), HttpStatus.BAD_REQUEST, "validation")
				.jsonPath("$.errors[0].pointer")
				.isEqualTo("#/items");
		}

		@Test
		void moreLinesThanTheLimitIsUnprocessableAndNamesTheLimit() {
			List<Map<String, Object>> items = new ArrayList<>();
			for (int i = 0; i < 51; i++) {
				items.add(Map.of("sku", "LINE-" + i, "quantity", 1));
			}

			assertProblem(post(Map.of("userId", newUserId(), "items", items)), HttpStatus.UNPROCESSABLE_CONTENT,
					"too-many-lines")
				.jsonPath("$.limit")
				.isEqualTo(50);
		}

	}

	@Nested
	class Read {

		@Test
		void anOrderReadOnItsOwnCarriesItsUserOrSaysItIsDegraded() {
			String sku = product("3.00", 10);
			long user = newUserId();
			OrderResponse order = place(order(user, sku, 1));

			OrderResponse complete = get(order.id());
			assertThat(complete.user()).isNotNull();
			assertThat(complete.user().id()).isEqualTo(user);
			assertThat(complete.degraded()).isFalse();

			UserServiceStub.failing(true);
			long start = System.nanoTime();
			OrderResponse degraded = get(order.id());

			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("within the client's timeouts")
				.isLessThan(Duration.ofSeconds(3));
			assertThat(degraded.degraded()).isTrue();
			assertThat(degraded.user()).isNull();
			assertThat(degraded.items()).isEqualTo(order.items());
		}

		@Test
		void unknownOrderIs404() {
			assertProblem(http.get().uri("/api/v1/orders/{id}", Long.MAX_VALUE).exchange(), HttpStatus.NOT_FOUND,
					"order-not-found");
		}

		@Test
		void ordersOfAUserAreNewestFirstAndPaged() {
			String sku = product("3.00", 10);
			long user = newUserId();
			OrderResponse first = place(order(user, sku, 1));
			OrderResponse second = place(order(user, sku, 2));
			place(order(newUserId(), sku, 1));

			http.get()
				.uri("/api/v1/orders?userId={user}&size=1", user)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.content[0].id")
				.isEqualTo(second.id())
				.jsonPath("$.totalElements")
				.isEqualTo(2);
			http.get()
				.uri("/api/v1/orders?userId={user}&page=1&size=1", user)
				.exchange()
				.expectBody()
				.jsonPath("$.content[0].id")
				.isEqualTo(first.id())
				.jsonPath("$.content[0].items[0].sku")
				.isEqualTo(sku);
		}

		@Test
		void listingNeedsAValidUserId() {
			assertProblem(http.get().uri("/api/v1/orders").exchange(), HttpStatus.BAD_REQUEST, "bad-request");
			assertProblem(http.get().uri("/api/v1/orders?userId=abc").exchange(), HttpStatus.BAD_REQUEST, "validation");
			assertProblem(http.get().uri("/api/v1/orders?userId=1&size=500").exchange(), HttpStatus.BAD_REQUEST,
					"validation");
		}

		@Test
		void productsShowCurrentStock() {
			String sku = product("12.34", 7);

			// Public: no token needed.
			anonymous.get()
				.uri("/api/v1/products/{sku}", sku)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.sku")
				.isEqualTo(sku)
				.jsonPath("$.price")
				.isEqualTo(12.34)
				.jsonPath("$.stock")
				.isEqualTo(7);
			anonymous.get().uri("/api/v1/products?size=100").exchange().expectStatus().isOk().expectBody()
				.jsonPath("$.content[?(@.sku == '%s')]".formatted(sku)).exists();
			assertProblem(http.get().uri("/api/v1/products/NOPE").exchange(), HttpStatus.NOT_FOUND, "product-not-found");
		}

	}

	/** Whose orders are whose: the token decides, and someone else's order is not there at all. */
	@Nested
	class Access {

		@Test
		void withoutATokenOnlyTheCatalogueAnswers() {
			for (RestTestClient.ResponseSpec refused : List.of(anonymous.get().uri("/api/v1/orders/1").exchange(),
					anonymous.get().uri("/api/v1/orders?userId=1").exchange(),
					anonymous.post()
						.uri("/api/v1/orders")
						.contentType(MediaType.APPLICATION_JSON)
						.body(order(newUserId(), "KB-001", 1))
						.exchange(),
					anonymous.put().uri("/api/v1/products/KB-001").contentType(MediaType.APPLICATION_JSON).body("{}").exchange())) {
				assertProblem(refused, HttpStatus.UNAUTHORIZED, "unauthorized").jsonPath("$.detail")
					.isEqualTo("This API needs an access token: Authorization: Bearer <token>.");
			}
		}

		@Test
		void userServiceIsAskedWithOrderServicesOwnTokenNeverTheCustomers() {
			place(order(newUserId(), product("1.00", 5), 1));

			assertThat(UserServiceStub.callers()).containsExactly("order-service");
		}

		@Test
		void aCustomerPlacesOrdersOnlyForTheirOwnProfile() {
			String sku = product("1.00", 5);

			assertProblem(post(order(UserServiceStub.SOMEONE_ELSES_FROM + 1, sku, 1)), HttpStatus.UNPROCESSABLE_CONTENT,
					"unknown-user");
			assertThat(stock(sku)).isEqualTo(5);
			assertThat(ordersOf(UserServiceStub.SOMEONE_ELSES_FROM + 1)).isZero();
		}

		@Test
		void anotherCustomersOrdersAreNotFoundAndNotListed() {
			String sku = product("2.00", 5);
			long user = newUserId();
			OrderResponse theirs = place(order(user, sku, 1));
			RestTestClient mallory = as(issuer.customer("mallory-" + UUID.randomUUID()));

			assertProblem(mallory.get().uri("/api/v1/orders/{id}", theirs.id()).exchange(), HttpStatus.NOT_FOUND,
					"order-not-found");
			mallory.get()
				.uri("/api/v1/orders?userId={user}", user)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.totalElements")
				.isEqualTo(0);
		}

		@Test
		void administratorsReadAndListAnyonesOrders() {
			String sku = product("2.00", 5);
			long user = newUserId();
			OrderResponse theirs = place(order(user, sku, 1));
			RestTestClient admin = as(issuer.administrator("admin"));

			admin.get().uri("/api/v1/orders/{id}", theirs.id()).exchange().expectStatus().isOk();
			admin.get()
				.uri("/api/v1/orders?userId={user}", user)
				.exchange()
				.expectBody()
				.jsonPath("$.totalElements")
				.isEqualTo(1);
		}

		@Test
		void theOwnerIsTheTokensSubjectWhateverTheBodySays() {
			String sku = product("2.00", 5);
			long user = newUserId();

			OrderResponse placed = post(Map.of("userId", user, "owner", "admin", "id", 1, "status", "CANCELLED", "total",
					0, "items", List.of(Map.of("sku", sku, "quantity", 1))))
				.expectStatus()
				.isCreated()
				.expectBody(OrderResponse.class)
				.returnResult()
				.getResponseBody();

			assertThat(placed.id()).isNotEqualTo(1L);
			assertThat(placed.status()).isEqualTo(OrderStatus.CONFIRMED);
			assertThat(placed.total()).isEqualByComparingTo("2.00");
			assertThat(jdbc.queryForObject("SELECT owner_subject FROM orders WHERE id = ?", String.class, placed.id()))
				.isEqualTo(subject);
		}

	}

	private String product(String price, int stock) {
		String sku = "T-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
		this.jdbc.update("INSERT INTO products (sku, name, price, stock) VALUES (?, ?, ?, ?)", sku, "Test " + sku,
				new BigDecimal(price), stock);
		return sku;
	}

	private int stock(String sku) {
		return this.jdbc.queryForObject("SELECT stock FROM products WHERE sku = ?", Integer.class, sku);
	}

	private int ordersOf(long user) {
		return this.jdbc.queryForObject("SELECT COUNT(*) FROM orders WHERE user_id = ?", Integer.class, user);
	}

	private long newUserId() {
		return TestCatalogue.newUserId(this.subject);
	}

	private static Map<String, Object> order(long user, Object... skuAndQuantity) {
		List<Map<String, Object>> items = new ArrayList<>();
		for (int i = 0; i < skuAndQuantity.length; i += 2) {
			items.add(Map.of("sku", skuAndQuantity[i], "quantity", skuAndQuantity[i + 1]));
		}
		return Map.of("userId", user, "items", items);
	}

	private RestTestClient.ResponseSpec post(Object body) {
		return this.http.post().uri("/api/v1/orders").contentType(MediaType.APPLICATION_JSON).body(body).exchange();
	}

	private OrderResponse place(Object body) {
		return post(body).expectStatus().isCreated().expectBody(OrderResponse.class).returnResult().getResponseBody();
	}

	private OrderResponse get(long id) {
		return this.http.get()
			.uri("/api/v1/orders/{id}", id)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(OrderResponse.class)
			.returnResult()
			.getResponseBody();
	}

	/** The API's description, held to the controllers and to the snapshot in api/ (ApiDescription). */
	@Nested
	class Description {

		@Autowired
		private RequestMappingHandlerMapping handlers;

		@Test
		void describesEveryEndpointOfThePublicApiAndNoOther() {
			ApiDescription.of(anonymous).assertDescribesEveryEndpointOf(this.handlers);
		}

		@Test
		void statesTheValidationTheControllersApply() {
			ApiDescription.of(anonymous).assertValidationAgreesWith(as(issuer.administrator("admin")));
		}

		@Test
		void isTheContractCheckedIn() {
			ApiDescription.of(anonymous).assertMatchesSnapshot("order-service");
		}

	}

}
