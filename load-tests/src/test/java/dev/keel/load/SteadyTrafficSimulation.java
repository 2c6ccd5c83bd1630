package dev.keel.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

import static dev.keel.load.Bench.required;
import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.stopLoadGeneratorIf;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * Steady traffic through the gateway while {@code ./platform bench} kills, stops or restarts instances: GETs of a
 * user at a fixed rate, and keyed order POSTs at another (none unless asked).
 * <p>
 * The launcher says where and as whom ({@code keel.gateway}, {@code keel.user}, {@code keel.sku}, the token in
 * {@code KEEL_TOKEN}: an environment variable, not a command line another user can read), and ends the run by
 * creating {@code stop} in {@code keel.run-directory} when its fault is over; {@code keel.max-seconds} bounds it if
 * the launcher dies.
 */
public class SteadyTrafficSimulation extends Simulation {

	/** What the README tells API clients to wait: longer than the gateway's longest route budget (16 s). */
	private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(20);

	/** Where the launcher reads the answers and creates the stop file. */
	private final Path directory = Path.of(required("keel.run-directory"));

	/** Requests sent and not yet answered: the run ends when they are, so that no answer is left out. */
	private final AtomicInteger inFlight = new AtomicInteger();

	/** When this load generator first saw the stop file, in nanoseconds; 0 before. */
	private final AtomicLong stopSeenAt = new AtomicLong();

	private final Answers answers = new Answers();

	{
		String user = required("keel.user");
		int readRate = Integer.getInteger("keel.read-rate", 50);
		int orderRate = Integer.getInteger("keel.order-rate", 0);
		Duration bound = Duration.ofSeconds(Integer.getInteger("keel.max-seconds", 600));
		HttpProtocolBuilder gateway = http.baseUrl(required("keel.gateway"))
			.authorizationHeader("Bearer " + Bench.token())
			.acceptHeader("application/json")
			// One pool for all virtual users, as an API client keeps one: not a new connection per request.
			.shareConnections();

		ScenarioBuilder reads = scenario("reads").exec(untilStopped("user", http("user").get("/api/v1/users/" + user)
			// Each client its own address: the gateway's rate limit is per client.
			.header("X-Forwarded-For", "10.0.1.1")
			.requestTimeout(CLIENT_TIMEOUT)
			.check(status().saveAs("status"), status().is(200))));
		List<PopulationBuilder> load = new ArrayList<>();
		load.add(reads.injectOpen(constantUsersPerSec(readRate).during(bound)));
		if (orderRate > 0) {
			String body = "{\"userId\":%s,\"items\":[{\"sku\":\"%s\",\"quantity\":1}]}".formatted(user,
					required("keel.sku"));
			ScenarioBuilder orders = scenario("orders").exec(untilStopped("place order",
					http("place order").post("/api/v1/orders")
						.header("X-Forwarded-For", "10.0.1.2")
						.header("Content-Type", "application/json")
						// A fresh key per order: the gateway retries a keyed POST, and order-service stores it once.
						.header("Idempotency-Key", (session) -> UUID.randomUUID().toString())
						.body(StringBody(body))
						.requestTimeout(CLIENT_TIMEOUT)
						.check(status().saveAs("status"), status().is(201))));
			load.add(orders.injectOpen(constantUsersPerSec(orderRate).during(bound)));
		}
		setUp(load).protocols(gateway);
	}

	/**
	 * One request per virtual user until the stop file appears; then the first user to find every request answered
	 * (or the client timeout passed) ends the run. Gatling has no hook for an outside signal, hence the file.
	 */
	private ChainBuilder untilStopped(String name, HttpRequestActionBuilder request) {
		// Counted in flight before it looks for the stop file: a user that then finds none in flight knows that no
		// other is about to send one.
		return exec((session) -> {
			this.inFlight.incrementAndGet();
			return session.set("send", !stopRequested());
		}).doIfOrElse((session) -> session.getBoolean("send"))
			.then(exec(request).exec((session) -> {
				Session answered = this.answers.record(name, session);
				this.inFlight.decrementAndGet();
				return answered;
			}))
			.orElse(exec((session) -> {
				this.inFlight.decrementAndGet();
				return session;
			}).exec(stopLoadGeneratorIf("the launcher ended the run", (session) -> this.inFlight.get() == 0
					|| System.nanoTime() - this.stopSeenAt.get() > CLIENT_TIMEOUT.toNanos())));
	}

	@Override
	public void after() {
		this.answers.write(this.directory);
	}

	private boolean stopRequested() {
		if (this.stopSeenAt.get() != 0) {
			return true;
		}
		if (Files.exists(this.directory.resolve("stop"))) {
			this.stopSeenAt.compareAndSet(0, System.nanoTime());
			return true;
		}
		return false;
	}

}
