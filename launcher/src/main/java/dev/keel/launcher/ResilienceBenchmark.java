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
import java.util.TreeMap;
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
 * (SIGSTOP) for 3 s, then resumed; prints failed requests, latencies, and how many requests the gateway sent
 * to the stopped instance while it was stopped.</li>
 * <li>{@code restart}: GETs and keyed order POSTs through the gateway while every instance of both services
 * is restarted, one at a time; prints failed requests and checks no order was duplicated.</li>
 * <li>{@code edge} (with ./platform up --gateways N): GETs at a fixed rate, in turn through the edge over HTTPS and
 * over HTTP, to a gateway directly, and straight to a user-service instance, in the same run; prints what the edge
 * and TLS add, and the bytes gzip saves on a page of 100 orders.</li>
 * </ul>
 * Run with {@code ./platform bench latency|kill|pause|restart|edge}. Every scenario prints p50/p99/max of the answered
 * requests; the gateway's balancer is the one the platform runs ({@code keel.loadbalancer.algorithm}).
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
	 * @param scenario latency, kill or restart
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
	 * @param restartAll restarts every instance of every domain service, one at a time
	 * @param edge the edge's HTTPS, when the platform runs one, and a client that trusts its certificate
	 * @param firstGateway the first gateway behind the edge
	 */
	record Target(Api gateway, Api direct, Api catalogue, String victim, String victimAddress, Path gatewayLog, String sku,
			Runnable kill, java.util.function.IntConsumer pause, java.util.function.DoubleSupplier sentToVictim,
			Runnable restartAll, Api edge, HttpClient edgeClient, Api firstGateway) {
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
		Api gateway = target.gateway();
		Load load = new Load(rate, (tick) -> get(gateway, "/api/v1/users/" + user));
		load.start();
		Thread.sleep(5_000);
		Instant killedAt = Instant.now();
		target.kill().run();
		Thread.sleep(10_000);
		load.stop();
		Instant evictedAt = eviction(target.gatewayLog(), target.victimAddress(), killedAt);
		System.out.printf("%d GET/s through the gateway; %s SIGKILLed after 5 s, load for 10 s more%n", rate,
				target.victim());
		System.out.printf("requests %d, failed %d%s%n", load.answered.get(), load.failures.size(), load.failureSummary());
		System.out.println(load.latencySummary());
		System.out.printf("out of rotation after %s%n",
				(evictedAt != null) ? Duration.between(killedAt, evictedAt).toMillis() + " ms" : "(not seen in the log)");
	}

	private static void pause(Target target, long user, int rate) throws Exception {
		Api gateway = target.gateway();
		Load load = new Load(rate, (tick) -> get(gateway, "/api/v1/users/" + user));
		load.start();
		Thread.sleep(5_000);
		double before = target.sentToVictim().getAsDouble();
		int answeredBefore = load.answered.get();
		target.pause().accept(3);
		// Counted when answered: those sent while it was stopped are answered once it resumes.
		Thread.sleep(5_000);
		double sent = target.sentToVictim().getAsDouble() - before;
		int answered = load.answered.get() - answeredBefore;
		Thread.sleep(5_000);
		load.stop();
		System.out.printf("%d GET/s through the gateway; %s SIGSTOPped for 3 s after 5 s, load for 10 s more%n", rate,
				target.victim());
		System.out.printf("requests %d, failed %d%s%n", load.answered.get(), load.failures.size(), load.failureSummary());
		System.out.println(load.latencySummary());
		System.out.printf("sent to the stopped instance from its pause to 5 s after it: %.0f of %d%n", sent, answered);
	}

	private static void restart(Target target, long user, int rate) throws Exception {
		Api gateway = target.gateway();
		String sku = target.sku();
		int ordersBefore = orders(gateway, user);
		AtomicInteger placed = new AtomicInteger();
		Load reads = new Load(rate, (tick) -> get(gateway, "/api/v1/users/" + user));
		Load writes = new Load(Math.max(1, rate / 10), (tick) -> placeOrder(gateway, user, sku));
		reads.start();
		writes.start();
		long start = System.nanoTime();
		target.restartAll().run();
		reads.stop();
		writes.stop();
		double seconds = (System.nanoTime() - start) / 1e9;
		writes.statuses.forEach((status, count) -> {
			if (status == 201) {
				placed.addAndGet(count);
			}
		});
		int stored = orders(gateway, user) - ordersBefore;
		System.out.printf("rolling restart of every user-service and order-service instance took %.0f s%n", seconds);
		System.out.printf("GETs   %d, failed %d%s%n", reads.answered.get(), reads.failures.size(), reads.failureSummary());
		System.out.println("GETs   " + reads.latencySummary());
		System.out.printf("POSTs  %d, failed %d%s%n", writes.answered.get(), writes.failures.size(), writes.failureSummary());
		// A POST whose answer was lost (timed out) may have been stored: its client would retry with its key and
		// get it replayed. More stored than that, or fewer than answered, is a real loss or duplicate.
		long unknown = writes.failures.stream()
			.filter((failure) -> failure.startsWith("504") || !Character.isDigit(failure.charAt(0)))
			.count();
		String verdict = (stored == placed.get()) ? "ok"
				: (stored > placed.get() && stored <= placed.get() + unknown)
						? "ok: " + (stored - placed.get()) + " of the failed POSTs were stored before their answer was lost"
						: "DUPLICATED OR LOST";
		System.out.printf("orders stored %d for %d answered 201  %s%n", stored, placed.get(), verdict);
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

		private final AtomicInteger answered = new AtomicInteger();

		private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();

		private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

		private final ConcurrentLinkedQueue<Map.Entry<String, Long>> timings = new ConcurrentLinkedQueue<>();

		private final Map<Integer, Integer> statuses = Collections.synchronizedMap(new TreeMap<>());

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
				// Failed calls are in failures already; calls still unanswered are missing from answered.
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
						this.statuses.merge(response.statusCode(), 1, Integer::sum);
						if (response.statusCode() >= 500 || response.statusCode() == 429) {
							this.failures.add(response.statusCode() + " " + response.body());
						}
						else {
							this.timings.add(Map.entry(request.uri().toString(), took));
						}
					}
					this.answered.incrementAndGet();
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

		String latencySummary() {
			List<Long> all = latencies((uri) -> true);
			return String.format("latency p50 %.1f ms  p99 %.1f ms  max %.1f ms", p(all, 50), p(all, 99), p(all, 100));
		}

		String failureSummary() {
			return this.failures.isEmpty() ? "" : " (first: " + this.failures.peek() + ")";
		}

	}

}
