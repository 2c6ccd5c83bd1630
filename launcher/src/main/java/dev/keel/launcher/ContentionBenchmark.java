package dev.keel.launcher;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The contention scenario against a running platform, through the gateway: many clients order random
 * multi-line baskets of a few hot products with small stock, each listing its lines in its own order, so
 * that the database deadlocks and order-service's retries have work to do. Gatling sends them
 * ({@code ContentionSimulation}) and writes its report; this prints throughput, latency, deadlocks and retries seen
 * by the services, failures, and checks that stock was conserved and every 201 stored once.
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
	 * @param load starts {@code ContentionSimulation} with these properties
	 * @param figures where orders placed per second and the latency are recorded
	 * @return whether stock was conserved, every 201 stored once, and nothing failed
	 */
	static boolean run(Api gateway, List<String> services, List<String> skus, int stock, int orders, int clients,
			GatlingRun.Starter load, Figures figures) throws Exception {
		long user = createUser(gateway);
		Map<String, Double> before = retries(services);
		// Each client in a loop until the orders are placed: bounded by the orders, and by clients times the
		// client timeout per order at worst.
		GatlingRun.Result result = load.start(Map.of("user", String.valueOf(user), "skus", String.join(",", skus),
				"orders", String.valueOf(orders), "clients", String.valueOf(clients)))
			.finish(Duration.ofMinutes(30));
		Map<String, Double> after = retries(services);

		long placed = result.count("place order", "201");
		long failures = result.failed("place order", "201") - result.count("place order", "409-out-of-stock");
		double perSecond = result.figure("mean throughput (rps)");
		double share = (result.total("place order") > 0) ? placed / (double) result.total("place order") : 0;
		double p99 = result.figure("response time 99th percentile (ms)");
		System.out.printf("orders sent       %d by %d clients%n", result.total("place order"), clients);
		System.out.printf("throughput        %.1f requests/s, %.1f orders placed/s%n", perSecond, perSecond * share);
		System.out.printf("answers           %s%n", result.answers().get("place order"));
		System.out.printf("deadlocks retried %.0f (lock wait timeouts retried %.0f)%n",
				delta(before, after, "deadlock"), delta(before, after, "lock-wait-timeout"));
		System.out.printf("retries in all    %.0f%n", after.values().stream().mapToDouble(Double::doubleValue).sum()
				- before.values().stream().mapToDouble(Double::doubleValue).sum());
		System.out.printf("failures          %d (neither 201 nor out of stock)%n", failures);
		figures.add("orders placed/s, p99 (contention)",
				String.format(Locale.ROOT, "%.1f /s, %.0f ms", perSecond * share, p99));

		Map<String, Integer> sold = new LinkedHashMap<>();
		for (String line : result.counted().getOrDefault("sold", List.of())) {
			String[] columns = line.split(" ");
			sold.put(columns[0], Integer.parseInt(columns[1]));
		}
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
		System.out.println("Gatling's report: " + result.report().resolve("index.html"));
		return conserved && exactlyOnce && failures == 0;
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

	private static String number(String json, String field) {
		Matcher matcher = Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(json);
		if (!matcher.find()) {
			throw new IllegalStateException("no " + field + " in " + json);
		}
		return matcher.group(1);
	}

}
