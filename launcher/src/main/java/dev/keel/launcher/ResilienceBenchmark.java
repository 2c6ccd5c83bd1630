package dev.keel.launcher;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Steady load against a running platform while something happens to it, or to compare paths:
 * <ul>
 * <li>{@code latency}: GETs at a fixed rate, in turn through the gateway and straight to a user-service instance,
 * and of a product through the gateway with and without a token, in the same run; prints p50/p99/max of each, what
 * the gateway adds and what verifying the token adds.</li>
 * <li>{@code kill}: GETs through the gateway; after a few seconds one user-service instance is SIGKILLed;
 * prints failed requests and how long the gateway took to take the instance out of rotation.</li>
 * <li>{@code pause}: GETs through the gateway; after a few seconds one user-service instance is stopped
 * (SIGSTOP) for 3 s, then resumed; prints failed requests and how many requests the gateway sent to the stopped
 * instance while it was stopped.</li>
 * <li>{@code restart}: GETs and keyed order POSTs through the gateway while every instance of every service
 * is restarted, one at a time; prints failed requests and checks that no order was lost or duplicated.</li>
 * <li>{@code edge} (with ./platform up --gateways N): GETs at a fixed rate, in turn through the edge over HTTPS and
 * over HTTP, to a gateway directly, and straight to a user-service instance, in the same run; prints what the edge
 * and TLS add, and the bytes gzip saves on a page of 100 orders.</li>
 * </ul>
 * Run with {@code ./platform bench latency|kill|pause|restart|edge}, or {@code plots} for kill then restart. The kill, pause and restart load is Gatling's
 * ({@code load-tests/}): its report has the latencies, and charts of the run with the fault marked are drawn from it.
 * The latency and edge scenarios interleave their paths request by request, which is their own load's job. The
 * gateway's balancer is the one the platform runs ({@code keel.loadbalancer.algorithm}).
 */
final class ResilienceBenchmark {

	/** What the README tells API clients to wait: longer than the gateway's longest route budget (16 s). */
	private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(20);

	private static final HttpClient HTTP = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private ResilienceBenchmark() {
	}

	/**
	 * @param scenario latency, kill, pause, restart or edge
	 * @param figures where the latency scenario records what the gateway adds
	 * @param target what the scenario needs of the platform: where to send, what to kill or restart
	 */
	static void run(String scenario, int rate, Figures figures, Target target) throws Exception {
		long user = createUser(target.gateway());
		switch (scenario) {
			case "latency" -> latency(target, user, rate, 30, figures);
			case "kill" -> kill(target, user, rate);
			case "pause" -> pause(target, user, rate);
			case "restart" -> restart(target, user, rate);
			case "edge" -> edge(target, user, rate, 30);
			default -> throw new IllegalArgumentException("unknown scenario " + scenario);
		}
	}

	/**
	 * The running platform as the scenarios use it.
	 *
	 * @param gateway the gateway's API, with the token of the account the scenarios act as
	 * @param direct a user-service instance's API, for the comparison of latency
	 * @param victim the instance the kill scenario kills, and its address as the gateway's log names it
	 * @param gatewayLog the gateway's log, where evictions are logged
	 * @param sku a product with plenty of stock
	 * @param kill kills the victim
	 * @param pause stops the victim for the given seconds, then resumes it
	 * @param sentToVictim requests the gateway's load balancer has sent to the victim so far, by its metrics
	 * @param restartAll restarts every instance of every domain service, one at a time, and says when each was down
	 * @param load starts Gatling's steady traffic ({@code SteadyTrafficSimulation}) with these properties
	 * @param plots where the charts of the kill and restart scenarios go; null: beside Gatling's report
	 * @param edge the edge's HTTPS, when the platform runs one, and a client that trusts its certificate
	 * @param firstGateway the first gateway behind the edge
	 */
	record Target(Api gateway, Api direct, Api catalogue, String victim, String victimAddress, Path gatewayLog, String sku,
			Runnable kill, java.util.function.IntConsumer pause, java.util.function.DoubleSupplier sentToVictim,
			Supplier<List<ReportCharts.Event>> restartAll, Api edge, HttpClient edgeClient, Api firstGateway,
			GatlingRun.Starter load, Path plots) {
	}

	/**
	 * Six requests in turn at a fixed rate, in one run: a user through the gateway and straight to the service
	 * (what the gateway adds), a product through the gateway with and without an access token (what verifying the
	 * token adds, at the gateway and again at order-service, which the gateway relays it to: the product route is
	 * public, so the anonymous request differs only by the verification), and the same straight to order-service
	 * (what verifying it adds at the service alone).
	 */
	private static void latency(Target target, long user, int rate, int seconds, Figures figures) throws Exception {
		Api gateway = target.gateway();
		Api anonymous = new Api(gateway.base(), null);
		Api catalogue = target.catalogue();
		Api catalogueAnonymous = new Api(catalogue.base(), null);
		String product = "/api/v1/products/" + target.sku();
		LongFunction<HttpRequest> next = (tick) -> switch ((int) (tick % 6)) {
			case 0 -> get(gateway, "/api/v1/users/" + user);
			case 1 -> get(target.direct(), "/api/v1/users/" + user);
			case 2 -> get(gateway, product + "?client=signed-in");
			case 3 -> get(anonymous, product + "?client=anonymous");
			case 4 -> get(catalogue, product + "?client=signed-in");
			default -> get(catalogueAnonymous, product + "?client=anonymous");
		};
		// Warm every path first, so that the JIT and connection pools are not what is measured.
		new Load(rate, next).runFor(Duration.ofSeconds(10));
		Load load = new Load(rate, next);
		load.runFor(Duration.ofSeconds(seconds));
		List<Long> viaGateway = load.latencies((uri) -> uri.startsWith(gateway.base() + "/api/v1/users/"));
		List<Long> straight = load.latencies((uri) -> uri.startsWith(target.direct().base()));
		List<Long> signedIn = load.latencies(
				(uri) -> uri.startsWith(gateway.base()) && uri.endsWith("client=signed-in"));
		List<Long> withoutToken = load.latencies(
				(uri) -> uri.startsWith(gateway.base()) && uri.endsWith("client=anonymous"));
		List<Long> signedInAtService = load.latencies(
				(uri) -> uri.startsWith(catalogue.base()) && uri.endsWith("client=signed-in"));
		List<Long> withoutTokenAtService = load.latencies(
				(uri) -> uri.startsWith(catalogue.base()) && uri.endsWith("client=anonymous"));
		System.out.printf("%d GET/s for %d s, six requests in turn; failures %d%s%n", rate, seconds,
				load.failures.size(), load.failureSummary());
		print("user through the gateway", viaGateway);
		print("user straight to service", straight);
		double p50 = p(viaGateway, 50) - p(straight, 50);
		double p99 = p(viaGateway, 99) - p(straight, 99);
		System.out.printf("added by the gateway     p50 %.2f ms  p99 %.2f ms%n", p50, p99);
		figures.add("gateway adds at " + rate + " GET/s, p50",
				String.format(Locale.ROOT, "%+.2f ms (%.2f / %.2f ms)", p50, p(viaGateway, 50), p(straight, 50)),
				"<= +1 ms", p50 <= 1);
		figures.add("gateway adds at " + rate + " GET/s, p99",
				String.format(Locale.ROOT, "%+.2f ms (%.2f / %.2f ms)", p99, p(viaGateway, 99), p(straight, 99)),
				"<= +3 ms", p99 <= 3);
		if (!load.failures.isEmpty()) {
			figures.add("failed at " + rate + " GET/s", String.valueOf(load.failures.size()), "0", false);
		}
		print("product, with a token", signedIn);
		print("product, anonymous", withoutToken);
		System.out.printf("added by verifying it    p50 %.2f ms  p99 %.2f ms  (gateway and order-service)%n",
				p(signedIn, 50) - p(withoutToken, 50), p(signedIn, 99) - p(withoutToken, 99));
		print("product straight, token", signedInAtService);
		print("product straight, anon.", withoutTokenAtService);
		System.out.printf("added by verifying it    p50 %.2f ms  p99 %.2f ms  (order-service alone)%n",
				p(signedInAtService, 50) - p(withoutTokenAtService, 50),
				p(signedInAtService, 99) - p(withoutTokenAtService, 99));
	}

	/**
	 * Four requests in turn at a fixed rate, in one run: a user through the edge over HTTPS and over HTTP, through
	 * one gateway directly, and straight to user-service (what TLS, the edge and the gateway each add); then a page
	 * of 100 orders with and without gzip.
	 */
	private static void edge(Target target, long user, int rate, int seconds) throws Exception {
		if (target.edge() == null) {
			throw new LauncherException("no edge runs: ./platform up --gateways 2 first");
		}
		String path = "/api/v1/users/" + user;
		LongFunction<HttpRequest> next = (tick) -> switch ((int) (tick % 4)) {
			case 0 -> get(target.edge(), path);
			case 1 -> get(target.gateway(), path);
			case 2 -> get(target.firstGateway(), path);
			default -> get(target.direct(), path);
		};
		new Load(rate, next, target.edgeClient()).runFor(Duration.ofSeconds(10));
		Load load = new Load(rate, next, target.edgeClient());
		load.runFor(Duration.ofSeconds(seconds));
		List<Long> https = load.latencies((uri) -> uri.startsWith(target.edge().base()));
		List<Long> http = load.latencies((uri) -> uri.startsWith(target.gateway().base()));
		List<Long> gateway = load.latencies((uri) -> uri.startsWith(target.firstGateway().base()));
		List<Long> direct = load.latencies((uri) -> uri.startsWith(target.direct().base()));
		System.out.printf("%d GET/s for %d s, four requests in turn; failures %d%s%n", rate, seconds,
				load.failures.size(), load.failureSummary());
		print("edge, HTTPS", https);
		print("edge, HTTP", http);
		print("one gateway directly", gateway);
		print("straight to service", direct);
		System.out.printf("added by TLS             p50 %.2f ms  p99 %.2f ms  (kept-alive connections)%n",
				p(https, 50) - p(http, 50), p(https, 99) - p(http, 99));
		System.out.printf("added by the edge        p50 %.2f ms  p99 %.2f ms%n", p(http, 50) - p(gateway, 50),
				p(http, 99) - p(gateway, 99));
		System.out.printf("added by the gateway     p50 %.2f ms  p99 %.2f ms%n", p(gateway, 50) - p(direct, 50),
				p(gateway, 99) - p(direct, 99));
		for (int i = orders(target.gateway(), user); i < 100; i++) {
			HttpResponse<String> placed = HTTP.send(placeOrder(target.gateway(), user, target.sku()),
					HttpResponse.BodyHandlers.ofString());
			if (placed.statusCode() != 201) {
				throw new LauncherException("placing an order for the page failed: " + placed.statusCode() + " " + placed.body());
			}
		}
		String page = "/api/v1/orders?size=100&userId=" + user;
		long plain = HTTP.send(target.gateway().request(page).build(), HttpResponse.BodyHandlers.ofByteArray()).body().length;
		long gzipped = HTTP.send(target.gateway().request(page).header("Accept-Encoding", "gzip").build(),
				HttpResponse.BodyHandlers.ofByteArray()).body().length;
		System.out.printf("page of 100 orders: %d bytes, %d gzipped at the edge (%.0f %% saved)%n", plain, gzipped,
				100.0 * (plain - gzipped) / plain);
	}

	private static void print(String what, List<Long> latencies) {
		System.out.printf("%-24s p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d requests)%n", what, p(latencies, 50),
				p(latencies, 99), p(latencies, 100), latencies.size());
	}

	private static void kill(Target target, long user, int rate) throws Exception {
		GatlingRun load = target.load().start(reads(user, rate, 120));
		Instant killedAt;
		GatlingRun.Result result;
		try {
			// The scenario: 5 s of load, the kill, 10 s more.
			Thread.sleep(5_000);
			killedAt = Instant.now();
			target.kill().run();
			Thread.sleep(10_000);
			result = load.stop();
		}
		catch (Exception | Error ex) {
			load.kill();
			throw ex;
		}
		Instant evictedAt = eviction(target.gatewayLog(), target.victimAddress(), killedAt);
		System.out.printf("%d GET/s through the gateway; %s SIGKILLed after 5 s, load for 10 s more%n", rate,
				target.victim());
		System.out.printf("requests %d, failed %d%n", result.total("user"), result.failed("user", "200"));
		System.out.printf("out of rotation after %s%n",
				(evictedAt != null) ? Duration.between(killedAt, evictedAt).toMillis() + " ms" : "(not seen in the log)");
		List<ReportCharts.Event> events = new ArrayList<>(List.of(ReportCharts.Event.at(killedAt,
				"SIGKILL " + target.victim())));
		if (evictedAt != null) {
			events.add(ReportCharts.Event.at(evictedAt, "out of rotation"));
		}
		charts(target, result, events, "kill");
		expectNoFailure(result, "user", "200");
	}

	private static void pause(Target target, long user, int rate) throws Exception {
		GatlingRun load = target.load().start(reads(user, rate, 120));
		Instant stoppedAt;
		double sent;
		GatlingRun.Result result;
		try {
			// The scenario: 5 s of load, a 3 s stall (pause returns when it is over), 10 s more; what the stalled
			// instance was sent is counted from the stall's start to 5 s after its end.
			Thread.sleep(5_000);
			double before = target.sentToVictim().getAsDouble();
			stoppedAt = Instant.now();
			target.pause().accept(3);
			// Counted when answered: those sent while it was stopped are answered once it resumes.
			Thread.sleep(5_000);
			sent = target.sentToVictim().getAsDouble() - before;
			Thread.sleep(5_000);
			result = load.stop();
		}
		catch (Exception | Error ex) {
			load.kill();
			throw ex;
		}
		System.out.printf("%d GET/s through the gateway; %s SIGSTOPped for 3 s after 5 s, load for 10 s more%n", rate,
				target.victim());
		System.out.printf("requests %d, failed %d%n", result.total("user"), result.failed("user", "200"));
		System.out.printf("sent to the stopped instance from its pause to 5 s after it: %.0f (%d GET/s were sent "
				+ "meanwhile)%n", sent, rate);
		charts(target, result, List.of(new ReportCharts.Event(stoppedAt, stoppedAt.plusSeconds(3),
				"SIGSTOP " + target.victim())), "pause");
		expectNoFailure(result, "user", "200");
	}

	private static void restart(Target target, long user, int rate) throws Exception {
		Api gateway = target.gateway();
		int ordersBefore = orders(gateway, user);
		Map<String, String> properties = new java.util.HashMap<>(reads(user, rate, 1800));
		properties.put("order-rate", String.valueOf(Math.max(1, rate / 10)));
		properties.put("sku", target.sku());
		GatlingRun load = target.load().start(properties);
		long start = System.nanoTime();
		List<ReportCharts.Event> restarts;
		GatlingRun.Result result;
		try {
			restarts = target.restartAll().get();
			result = load.stop();
		}
		catch (Exception | Error ex) {
			load.kill();
			throw ex;
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		int stored = orders(gateway, user) - ordersBefore;
		long placed = result.count("place order", "201");
		long failed = result.failed("place order", "201");
		System.out.printf("rolling restart of %s took %.0f s%n",
				String.join(", ", restarts.stream().map(ReportCharts.Event::text).toList()), seconds);
		System.out.printf("GETs   %d, failed %d%n", result.total("user"), result.failed("user", "200"));
		System.out.printf("POSTs  %d, failed %d%n", result.total("place order"), failed);
		// A POST that failed may have been stored all the same (its answer lost, or a retry of its key still in
		// flight): its client would retry with its key and get it replayed. More stored than that, or fewer than
		// answered 201, is a real loss or duplicate.
		boolean exact = stored >= placed && stored <= placed + failed;
		System.out.printf("orders stored %d for %d answered 201  %s%n", stored, placed, (stored == placed) ? "ok"
				: exact ? "ok: " + (stored - placed) + " of the failed POSTs were stored before their answer was lost"
						: "DUPLICATED OR LOST");
		charts(target, result, restarts, "restart");
		expectNoFailure(result, "user", "200");
		expectNoFailure(result, "place order", "201");
		if (!exact) {
			throw new LauncherException("orders were lost or duplicated: " + stored + " stored for " + placed
					+ " answered 201");
		}
	}

	/**
	 * Fails the benchmark, after its figures and charts, when no request of that name was sent, or one was not
	 * answered so.
	 */
	private static void expectNoFailure(GatlingRun.Result result, String request, String status) {
		if (result.total(request) == 0) {
			throw new LauncherException("no " + request + " request was sent");
		}
		if (result.failed(request, status) > 0) {
			throw new LauncherException(result.failed(request, status) + " " + request + " requests failed: "
					+ result.answers().get(request));
		}
	}

	/** The simulation's properties for GETs of the user at the rate, for at most that long. */
	private static Map<String, String> reads(long user, int rate, int maxSeconds) {
		return Map.of("user", String.valueOf(user), "read-rate", String.valueOf(rate), "max-seconds",
				String.valueOf(maxSeconds));
	}

	/** The report's latency and responses charts with the fault marked, where the target says. */
	private static void charts(Target target, GatlingRun.Result result, List<ReportCharts.Event> events, String name)
			throws IOException, InterruptedException {
		System.out.println("Gatling's report: " + result.report().resolve("index.html"));
		if (Chromium.command() == null) {
			System.out.println("no Chromium here: the charts were not drawn (Debian: apt install chromium)");
			return;
		}
		Path directory = (target.plots() != null) ? target.plots() : result.report();
		for (Path chart : ReportCharts.write(result.report(), events, directory, "gatling-" + name)) {
			System.out.println("chart: " + chart);
		}
	}

	/** When the gateway logged that the victim left the rotation, at or after the kill. */
	private static Instant eviction(Path log, String address, Instant after) throws IOException {
		Pattern line = Pattern.compile("^(\\S+)\\s+INFO.*" + Pattern.quote(address) + " left the rotation");
		for (String entry : Files.readAllLines(log)) {
			Matcher matcher = line.matcher(entry);
			if (matcher.find()) {
				Instant at = Instant.parse(matcher.group(1));
				if (!at.isBefore(after.minusMillis(5))) {
					return at;
				}
			}
		}
		return null;
	}

	/** A keyed order POST, as one client (its own address, so that the reads' rate limit is not its). */
	private static HttpRequest placeOrder(Api gateway, long user, String sku) {
		return gateway.request("/api/v1/orders")
			.header("Content-Type", "application/json")
			.header("X-Forwarded-For", "10.0.1.2")
			.header("Idempotency-Key", UUID.randomUUID().toString())
			.timeout(CLIENT_TIMEOUT)
			.POST(HttpRequest.BodyPublishers.ofString(
					"{\"userId\":%d,\"items\":[{\"sku\":\"%s\",\"quantity\":1}]}".formatted(user, sku)))
			.build();
	}

		private static HttpRequest get(Api api, String path) {
		return api.request(path).header("X-Forwarded-For", "10.0.1.1").timeout(CLIENT_TIMEOUT).build();
	}

	private static long createUser(Api gateway) throws Exception {
		HttpResponse<String> response = HTTP.send(gateway.request("/api/v1/users")
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(
					"{\"email\":\"bench-%s@example.com\",\"name\":\"Benchmark\"}".formatted(UUID.randomUUID())))
			.build(), HttpResponse.BodyHandlers.ofString());
		Matcher id = Pattern.compile("\"id\":(\\d+)").matcher(response.body());
		if (response.statusCode() != 201 || !id.find()) {
			throw new IllegalStateException("creating the benchmark user failed: " + response.body());
		}
		return Long.parseLong(id.group(1));
	}

	private static int orders(Api gateway, long user) throws Exception {
		String body = HTTP.send(gateway.request("/api/v1/orders?size=1&userId=" + user).build(),
				HttpResponse.BodyHandlers.ofString()).body();
		Matcher total = Pattern.compile("\"totalElements\":(\\d+)").matcher(body);
		return total.find() ? Integer.parseInt(total.group(1)) : -1;
	}

	private static double p(List<Long> sorted, int percentile) {
		if (sorted.isEmpty()) {
			return Double.NaN;
		}
		int index = Math.max(0, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1);
		return sorted.get(index) / 1e6;
	}

	/** Requests at a fixed rate, each timed and recorded. */
	private static final class Load {

		private final int rate;

		private final java.util.function.LongFunction<HttpRequest> requests;

		private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

		private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();

		private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

		private final ConcurrentLinkedQueue<Map.Entry<String, Long>> timings = new ConcurrentLinkedQueue<>();

		private final HttpClient client;

		Load(int rate, java.util.function.LongFunction<HttpRequest> requests) {
			this(rate, requests, HTTP);
		}

		Load(int rate, java.util.function.LongFunction<HttpRequest> requests, HttpClient client) {
			this.rate = rate;
			this.requests = requests;
			this.client = client;
		}

		void start() {
			AtomicInteger tick = new AtomicInteger();
			this.ticker.scheduleAtFixedRate(() -> send(tick.getAndIncrement()), 0, 1_000_000 / this.rate,
					TimeUnit.MICROSECONDS);
		}

		void runFor(Duration duration) throws InterruptedException {
			start();
			Thread.sleep(duration.toMillis());
			stop();
		}

		/** Stops sending and waits (30 s at most) for the answers still outstanding. */
		void stop() throws InterruptedException {
			this.ticker.shutdownNow();
			this.ticker.awaitTermination(5, TimeUnit.SECONDS);
			try {
				CompletableFuture.allOf(this.inFlight.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
			}
			catch (ExecutionException | TimeoutException ex) {
				// Failed calls are in failures already; calls still unanswered are missing from the timings.
			}
		}

		private void send(long tick) {
			HttpRequest request = this.requests.apply(tick);
			long start = System.nanoTime();
			CompletableFuture<?> call = this.client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
				.whenComplete((response, failure) -> {
					long took = System.nanoTime() - start;
					if (failure != null) {
						this.failures.add(failure.toString());
					}
					else {
						if (response.statusCode() >= 500 || response.statusCode() == 429) {
							this.failures.add(response.statusCode() + " " + response.body());
						}
						else {
							this.timings.add(Map.entry(request.uri().toString(), took));
						}
					}
				});
			this.inFlight.add(call);
			call.whenComplete((done, failure) -> this.inFlight.remove(call));
		}

		List<Long> latencies(java.util.function.Predicate<String> uri) {
			List<Long> selected = new ArrayList<>();
			for (Map.Entry<String, Long> timing : this.timings) {
				if (uri.test(timing.getKey())) {
					selected.add(timing.getValue());
				}
			}
			Collections.sort(selected);
			return selected;
		}

		String failureSummary() {
			return this.failures.isEmpty() ? "" : " (first: " + this.failures.peek() + ")";
		}

	}

}
