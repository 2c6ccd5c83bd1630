package dev.keel.order.orders;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.keel.platform.test.TestIssuer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many clients ordering the same few scarce products, each listing its lines in its own order, so that
 * concurrent orders lock the same stock rows in opposite orders and MySQL really deadlocks. The retry must
 * make that invisible: no 5xx, no lost or duplicated order, stock conserved and never negative.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OrderContentionIT {

	private static final String TOKEN = TestIssuer.get().customer("contender");

	private static final int CLIENTS = 16;

	private static final int ORDERS = 560;

	private static final int STOCK_PER_SKU = 250;

	@LocalServerPort
	private int port;

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private JsonMapper json;

	@Test
	void concurrentOrdersOverHotSkusAreNeverLostDuplicatedOrOversold() throws Exception {
		TestCatalogue catalogue = new TestCatalogue(this.jdbc);
		List<String> hot = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			hot.add(catalogue.product("1.00", STOCK_PER_SKU));
		}
		long user = TestCatalogue.newUserId("contender");
		double deadlocksBefore = deadlockRetries();
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
		ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

		ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
		List<Future<?>> work = new ArrayList<>();
		for (int i = 0; i < ORDERS; i++) {
			work.add(clients.submit(() -> outcomes.add(placeRandomOrder(http, user, hot))));
		}
		for (Future<?> future : work) {
			future.get(2, TimeUnit.MINUTES);
		}
		clients.shutdown();

		assertThat(outcomes).hasSize(ORDERS);
		assertThat(outcomes).extracting(Outcome::status)
			.as("only 201 placed or 409 out of stock, never a 5xx")
			.containsOnly(201, 409);
		List<Outcome> placed = outcomes.stream().filter((outcome) -> outcome.status() == 201).toList();
		assertThat(placed).isNotEmpty();
		assertThat(placed).extracting(Outcome::orderId).doesNotHaveDuplicates();
		assertThat(catalogue.ordersOf(user)).as("every 201 is stored exactly once").isEqualTo(placed.size());

		Map<String, Integer> soldPerSku = new HashMap<>();
		this.jdbc.query("SELECT l.sku, SUM(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id "
				+ "WHERE o.user_id = ? GROUP BY l.sku", (row) -> {
					soldPerSku.put(row.getString(1), row.getInt(2));
				}, user);
		Map<String, Integer> answeredPerSku = new HashMap<>();
		placed.forEach((outcome) -> outcome.lines().forEach((sku, quantity) -> answeredPerSku.merge(sku, quantity, Integer::sum)));
		for (String sku : hot) {
			int stock = catalogue.stock(sku);
			assertThat(stock).as("stock of %s", sku).isNotNegative();
			assertThat(STOCK_PER_SKU).as("initial stock of %s = current + sold", sku)
				.isEqualTo(stock + soldPerSku.getOrDefault(sku, 0));
			assertThat(answeredPerSku.getOrDefault(sku, 0)).as("what the 201s said was sold of %s", sku)
				.isEqualTo(soldPerSku.getOrDefault(sku, 0));
		}
		outcomes.stream()
			.filter((outcome) -> outcome.status() == 409)
			.forEach((outcome) -> assertThat(outcome.available())
				.as("a 409 only when stock was really short: %s", outcome)
				.isLessThan(outcome.requested()));
		assertThat(deadlockRetries() - deadlocksBefore).as("real deadlocks happened, and were retried")
			.isPositive();
	}

	private Outcome placeRandomOrder(HttpClient http, long user, List<String> hot) {
		List<String> skus = new ArrayList<>(hot);
		Collections.shuffle(skus);
		ThreadLocalRandom random = ThreadLocalRandom.current();
		Map<String, Integer> lines = new java.util.LinkedHashMap<>();
		for (String sku : skus.subList(0, 2 + random.nextInt(hot.size() - 1))) {
			lines.put(sku, 1 + random.nextInt(3));
		}
		StringBuilder body = new StringBuilder("{\"userId\":" + user + ",\"items\":[");
		lines.forEach((sku, quantity) -> body.append("{\"sku\":\"%s\",\"quantity\":%d},".formatted(sku, quantity)));
		body.setLength(body.length() - 1);
		body.append("]}");
		try {
			HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/v1/orders"))
				.header("Content-Type", "application/json")
				.header("Authorization", "Bearer " + TOKEN)
				.timeout(Duration.ofSeconds(30))
				.POST(HttpRequest.BodyPublishers.ofString(body.toString()))
				.build(), HttpResponse.BodyHandlers.ofString());
			JsonNode answer = this.json.readTree(response.body());
			if (response.statusCode() == 201) {
				return new Outcome(201, answer.get("id").asLong(), lines, 0, 0);
			}
			if (response.statusCode() == 409) {
				return new Outcome(409, 0, lines, answer.path("requested").asInt(), answer.path("available").asInt());
			}
			return new Outcome(response.statusCode(), 0, lines, 0, 0);
		}
		catch (Exception ex) {
			return new Outcome(-1, 0, lines, 0, 0);
		}
	}

	private double deadlockRetries() {
		Counter counter = this.meters.find("keel.transaction.retries")
			.tag("operation", "placeOrder")
			.tag("cause", "deadlock")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	record Outcome(int status, long orderId, Map<String, Integer> lines, int requested, int available) {
	}

}
