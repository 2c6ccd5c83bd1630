package dev.keel.launcher;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The contention scenario against a running platform, through the gateway: many clients order random
 * multi-line baskets of a few hot products with small stock, each listing its lines in its own order, so
 * that the database deadlocks and order-service's retries have work to do. Prints throughput, latency,
 * deadlocks and retries seen by the services, failures, and checks that stock was conserved.
 * <p>
 * Run it with {@code ./platform bench contention}, which creates the hot products first.
 */
final class ContentionBenchmark {

	private static final HttpClient HTTP = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private ContentionBenchmark() {
	}

	/**
	 * @param services the actuator of every order-service instance, where deadlocks and retries are counted
	 * @param figures where orders placed per second and the latency are recorded
	 * @return whether stock was conserved, every 201 stored once, and nothing failed
	 */
	static boolean run(Api gateway, List<String> services, List<String> skus, int stock, int orders, int clients,
			Figures figures) throws Exception {
		long user = createUser(gateway);
		Map<String, Double> before = retries(services);
		ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		AtomicInteger remaining = new AtomicInteger(orders);
		long start = System.nanoTime();
		for (int i = 0; i < clients; i++) {
			// Each client its own address, as the local gateway (which trusts loopback as a proxy) logs it; all sign in
			// as alice, whose rate limit (gateway-service-dev.yml) leaves room for the benchmark.
			String client = "10.0.0." + (i + 1);
			pool.submit(() -> {
				while (remaining.getAndDecrement() > 0) {
					results.add(placeRandomOrder(gateway, client, user, skus));
				}
			});
		}
		pool.shutdown();
		pool.awaitTermination(30, TimeUnit.MINUTES);
		double seconds = (System.nanoTime() - start) / 1e9;
		Map<String, Double> after = retries(services);

		Map<Integer, Integer> statuses = new TreeMap<>();
		List<Long> latencies = new ArrayList<>();
		Map<String, Integer> sold = new ConcurrentHashMap<>();
		for (Result result : results) {
			statuses.merge(result.status(), 1, Integer::sum);
			latencies.add(result.nanos());
			if (result.status() == 201) {
				result.lines().forEach((sku, quantity) -> sold.merge(sku, quantity, Integer::sum));
			}
		}
		Collections.sort(latencies);
		int placed = statuses.getOrDefault(201, 0);
		long failures = results.stream().filter((result) -> result.status() >= 500 || result.status() < 0).count();

		System.out.printf("orders sent       %d by %d clients in %.1f s%n", results.size(), clients, seconds);
		System.out.printf("throughput        %.1f requests/s, %.1f orders placed/s%n", results.size() / seconds,
				placed / seconds);
		System.out.printf("latency           p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", percentile(latencies, 50),
				percentile(latencies, 99), latencies.get(latencies.size() - 1) / 1e6);
		System.out.printf("statuses          %s%n", statuses);
		System.out.printf("deadlocks retried %.0f (lock wait timeouts retried %.0f)%n",
				delta(before, after, "deadlock"), delta(before, after, "lock-wait-timeout"));
		System.out.printf("retries in all    %.0f%n", after.values().stream().mapToDouble(Double::doubleValue).sum()
				- before.values().stream().mapToDouble(Double::doubleValue).sum());
		System.out.printf("failures (5xx/io) %d%n", failures);
		figures.add("orders placed/s, p99 (contention)",
				String.format(Locale.ROOT, "%.1f /s, %.0f ms", placed / seconds, percentile(latencies, 99)));

		boolean conserved = true;
		for (String sku : skus) {
			int current = currentStock(gateway, sku);
			int soldOfSku = sold.getOrDefault(sku, 0);
			boolean ok = current >= 0 && current + soldOfSku == stock;
			conserved &= ok;
			System.out.printf("stock %-16s initial %d = current %d + sold %d  %s%n", sku, stock, current, soldOfSku,
					ok ? "ok" : "VIOLATED");
		}
		int stored = storedOrders(gateway, user);
		boolean exactlyOnce = stored == placed;
		System.out.printf("orders stored     %d for %d answered 201  %s%n", stored, placed,
				exactlyOnce ? "ok" : "VIOLATED");
		return conserved && exactlyOnce && failures == 0;
	}

	private static Result placeRandomOrder(Api gateway, String client, long user, List<String> hot) {
		List<String> skus = new ArrayList<>(hot);
		Collections.shuffle(skus);
		ThreadLocalRandom random = ThreadLocalRandom.current();
		Map<String, Integer> lines = new LinkedHashMap<>();
		for (String sku : skus.subList(0, Math.min(skus.size(), 2 + random.nextInt(3)))) {
			lines.put(sku, 1 + random.nextInt(3));
		}
		StringBuilder body = new StringBuilder("{\"userId\":" + user + ",\"items\":[");
		lines.forEach((sku, quantity) -> body.append("{\"sku\":\"%s\",\"quantity\":%d},".formatted(sku, quantity)));
		body.setLength(body.length() - 1);
		body.append("]}");
		long start = System.nanoTime();
		try {
			HttpResponse<String> response = HTTP.send(gateway.request("/api/v1/orders")
				.header("Content-Type", "application/json")
				.header("Idempotency-Key", UUID.randomUUID().toString())
				.header("X-Forwarded-For", client)
				.timeout(Duration.ofSeconds(30))
				.POST(HttpRequest.BodyPublishers.ofString(body.toString()))
				.build(), HttpResponse.BodyHandlers.ofString());
			return new Result(response.statusCode(), System.nanoTime() - start, lines);
		}
		catch (Exception ex) {
			return new Result(-1, System.nanoTime() - start, lines);
		}
	}

	private static long createUser(Api gateway) throws Exception {
		HttpResponse<String> response = HTTP.send(gateway.request("/api/v1/users")
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(
					"{\"email\":\"bench-%s@example.com\",\"name\":\"Benchmark\"}".formatted(UUID.randomUUID())))
			.build(), HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 201) {
			throw new IllegalStateException("creating the benchmark user failed: " + response.body());
		}
		return Long.parseLong(number(response.body(), "id"));
	}

	private static int currentStock(Api gateway, String sku) throws Exception {
		String body = HTTP.send(gateway.request("/api/v1/products/" + sku).build(),
				HttpResponse.BodyHandlers.ofString()).body();
		return Integer.parseInt(number(body, "stock"));
	}

	private static int storedOrders(Api gateway, long user) throws Exception {
		String body = HTTP.send(gateway.request("/api/v1/orders?size=1&userId=" + user)
			.build(), HttpResponse.BodyHandlers.ofString()).body();
		return Integer.parseInt(number(body, "totalElements"));
	}

	/** keel_transaction_retries_total of placeOrder by cause, summed over the order-service instances. */
	private static Map<String, Double> retries(List<String> services) throws Exception {
		Map<String, Double> byCause = new TreeMap<>();
		Pattern line = Pattern.compile("^keel_transaction_retries_total\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
		for (String service : services) {
			String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(service + "/actuator/prometheus")).build(),
					HttpResponse.BodyHandlers.ofString()).body();
			Matcher matcher = line.matcher(metrics);
			while (matcher.find()) {
				Matcher cause = Pattern.compile("cause=\"([^\"]+)\"").matcher(matcher.group(1));
				if (matcher.group(1).contains("operation=\"placeOrder\"") && cause.find()) {
					byCause.merge(cause.group(1), Double.parseDouble(matcher.group(2)), Double::sum);
				}
			}
		}
		return byCause;
	}

	private static double delta(Map<String, Double> before, Map<String, Double> after, String cause) {
		return after.getOrDefault(cause, 0.0) - before.getOrDefault(cause, 0.0);
	}

	private static double percentile(List<Long> sorted, int percentile) {
		int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
		return sorted.get(Math.max(0, index)) / 1e6;
	}

	private static String number(String json, String field) {
		Matcher matcher = Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(json);
		if (!matcher.find()) {
			throw new IllegalStateException("no " + field + " in " + json);
		}
		return matcher.group(1);
	}

	record Result(int status, long nanos, Map<String, Integer> lines) {
	}

}
