package dev.keel.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;

import static dev.keel.load.Bench.required;
import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * The contention mix: {@code keel.clients} clients, each in a loop, place {@code keel.orders} orders between them,
 * random baskets of two to four of a few hot products ({@code keel.skus}, comma-separated), each basket listing its
 * lines in its own order, so that the database deadlocks and order-service's retries have work to do.
 * <p>
 * Besides the answers, it writes {@code sold} into {@code keel.run-directory}: the quantity of each product in
 * orders answered 201, which {@code ./platform bench contention} checks stock against.
 */
public class ContentionSimulation extends Simulation {

	private static final String OUT_OF_STOCK = "https://keel.dev/problems/out-of-stock";

	/** Longer than the order route's time budget, so that the gateway's answer is what is counted. */
	private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

	private final Path directory = Path.of(required("keel.run-directory"));

	private final List<String> hot = Arrays.asList(required("keel.skus").split(","));

	private final AtomicInteger remaining = new AtomicInteger(Integer.getInteger("keel.orders", 2000));

	private final Answers answers = new Answers();

	private final Map<String, LongAdder> sold = new ConcurrentSkipListMap<>();

	{
		String user = required("keel.user");
		ScenarioBuilder clients = scenario("clients").asLongAs((session) -> this.remaining.getAndDecrement() > 0)
			.on(exec((session) -> session.set("lines", basket()))
				.exec(http("place order").post("/api/v1/orders")
					// Each client its own address, as the local gateway (which trusts loopback as a proxy) logs it.
					.header("X-Forwarded-For", (session) -> "10.0.0." + session.userId())
					.header("Content-Type", "application/json")
					.header("Idempotency-Key", (session) -> UUID.randomUUID().toString())
					.body(StringBody((session) -> body(user, session.<Map<String, Integer>>get("lines"))))
					.requestTimeout(CLIENT_TIMEOUT)
					// Out of stock is an answer, not a failure: stock runs out by design. Any other 409 (a conflict the
					// retries did not resolve, a key still in flight) is one.
					.check(status().saveAs("status"), status().in(201, 409))
					.checkIf((response, session) -> response.status().code() == 409)
					.then(jsonPath("$.type").is(OUT_OF_STOCK).saveAs("type")))
				.exec((session) -> {
					if (session.contains("status") && session.getInt("status") == 201) {
						session.<Map<String, Integer>>get("lines")
							.forEach((sku, quantity) -> this.sold.computeIfAbsent(sku, (key) -> new LongAdder())
								.add(quantity));
					}
					if (session.contains("type")) {
						return this.answers.record("place order", "409-out-of-stock", session.remove("type"));
					}
					return this.answers.record("place order", session);
				}));
		setUp(clients.injectOpen(atOnceUsers(Integer.getInteger("keel.clients", 16))))
			.protocols(http.baseUrl(required("keel.gateway"))
				.authorizationHeader("Bearer " + Bench.token())
				.acceptHeader("application/json"));
	}

	@Override
	public void after() {
		this.answers.write(this.directory);
		try {
			Files.writeString(this.directory.resolve("sold"), this.sold.entrySet()
				.stream()
				.map((entry) -> entry.getKey() + " " + entry.getValue().sum() + "\n")
				.collect(Collectors.joining()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Two to four of the hot products, shuffled, one to three of each. */
	private Map<String, Integer> basket() {
		List<String> skus = new ArrayList<>(this.hot);
		Collections.shuffle(skus);
		ThreadLocalRandom random = ThreadLocalRandom.current();
		Map<String, Integer> lines = new LinkedHashMap<>();
		for (String sku : skus.subList(0, Math.min(skus.size(), 2 + random.nextInt(3)))) {
			lines.put(sku, 1 + random.nextInt(3));
		}
		return lines;
	}

	private static String body(String user, Map<String, Integer> lines) {
		return lines.entrySet()
			.stream()
			.map((line) -> "{\"sku\":\"%s\",\"quantity\":%d}".formatted(line.getKey(), line.getValue()))
			.collect(Collectors.joining(",", "{\"userId\":" + user + ",\"items\":[", "]}"));
	}

}
