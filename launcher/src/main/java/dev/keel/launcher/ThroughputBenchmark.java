package dev.keel.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./platform bench throughput}: the most GETs per second a closed loop of clients gets answered through the
 * gateway and straight to the service, in turns in one run, and what each costs the gateway in CPU.
 * <p>
 * Each client is an account of its own, signed up and signed in for the run, as many customers would be: the
 * gateway limits each signed-in client's rate (100 GETs/s of users by default), so one shared token would measure
 * the limiter, not the gateway. A client sends its next request as soon as the last one is answered, on keep-alive
 * connections ({@code wrk}'s model). The load generator shares the machine's cores with what it measures, in both
 * paths alike: the ratio is the figure, not the absolute rates.
 */
final class ThroughputBenchmark {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private static final Pattern PROFILE = Pattern.compile("\"profileId\"\\s*:\\s*(\\d+)");

	private ThroughputBenchmark() {
	}

	/** A signed-up account: its access token, and the profile sign-up made for it. */
	record Client(String token, long profile) {
	}

	/**
	 * One way to the same resource.
	 *
	 * @param name what the table calls it
	 * @param base the gateway's address or a service instance's
	 * @param path the resource, for a client
	 * @param cpu the CPU time the gateway has used so far, when this path goes through it
	 */
	record Path(String name, String base, Function<Client, String> path, Optional<Supplier<Duration>> cpu) {
	}

	/** What a closed loop got: answers by latency (ns), failures, how long it ran, and the gateway's CPU meanwhile. */
	record Result(List<Long> latencies, int failed, String firstFailure, Duration took, Duration gatewayCpu) {

		double perSecond() {
			return this.latencies.size() / (this.took.toNanos() / 1e9);
		}

		double cpuMillisPerRequest() {
			return this.latencies.isEmpty() ? 0 : this.gatewayCpu.toNanos() / 1e6 / this.latencies.size();
		}

		Result plus(Result other) {
			List<Long> all = new ArrayList<>(this.latencies);
			all.addAll(other.latencies);
			Collections.sort(all);
			return new Result(all, this.failed + other.failed,
					(this.firstFailure != null) ? this.firstFailure : other.firstFailure, this.took.plus(other.took),
					this.gatewayCpu.plus(other.gatewayCpu));
		}

	}

	/**
	 * Signs up {@code count} accounts at auth-service (straight, as the gateway limits sign-ups per address), each
	 * with a random password, and signs each in.
	 */
	static List<Client> signUp(URI auth, int count) throws Exception {
		HttpClient http = client();
		String run = Long.toString(System.currentTimeMillis() / 1000, 36);
		List<Client> clients = new ArrayList<>();
		for (int i = 1; i <= count; i++) {
			String username = "bench-" + run + "-" + i;
			String password = UUID.randomUUID().toString();
			HttpResponse<String> response = http.send(HttpRequest.newBuilder(auth.resolve("/api/v1/accounts"))
				.timeout(TIMEOUT)
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(
						"{\"username\":\"%s\",\"password\":\"%s\",\"email\":\"%s@example.com\",\"name\":\"Benchmark %d\"}"
							.formatted(username, password, username, i)))
				.build(), HttpResponse.BodyHandlers.ofString());
			Matcher profile = PROFILE.matcher(response.body());
			if (response.statusCode() != 201 || !profile.find()) {
				throw new IOException("signing up " + username + " failed: " + response.statusCode() + " "
						+ response.body());
			}
			clients.add(new Client(SignIn.accessToken(auth, username, password), Long.parseLong(profile.group(1))));
		}
		return clients;
	}

	/**
	 * Warms every path for {@code warmUp}, then runs each for {@code seconds} in turn, {@code rounds} times, and
	 * prints a line per path and, per pair (through the gateway, then straight), the gateway's share of straight.
	 */
	static void run(List<Client> clients, List<Path> paths, Duration warmUp, Duration seconds, int rounds,
			Instant tokensExpire, Figures figures) throws Exception {
		checkTokens(tokensExpire, warmUp.plus(seconds.multipliedBy(rounds)).multipliedBy(paths.size()),
				"fewer --clients, --seconds or --rounds");
		// One pool of connections for the run: the JDK's client drops the ones a server closes while idle.
		HttpClient http = client();
		for (Path path : paths) {
			closedLoop(http, clients, path, warmUp);
		}
		List<Result> results = new ArrayList<>(Collections.nCopies(paths.size(), null));
		for (int round = 0; round < rounds; round++) {
			for (int i = 0; i < paths.size(); i++) {
				Result result = closedLoop(http, clients, paths.get(i), seconds);
				results.set(i, (results.get(i) == null) ? result : results.get(i).plus(result));
			}
		}
		System.out.printf(Locale.ROOT, "%d clients in a closed loop, %d round(s) of %d s per path, after %d s of warm-up each%n",
				clients.size(), rounds, seconds.toSeconds(), warmUp.toSeconds());
		System.out.printf(Locale.ROOT, "%-36s %10s %9s %9s %7s %16s%n", "", "answered/s", "p50", "p99", "failed",
				"gateway CPU/req");
		for (int i = 0; i < paths.size(); i++) {
			Result result = results.get(i);
			System.out.printf(Locale.ROOT, "%-36s %10.1f %6.1f ms %6.1f ms %7d %16s%n", paths.get(i).name(),
					result.perSecond(), p(result.latencies(), 50), p(result.latencies(), 99), result.failed(),
					paths.get(i).cpu().isPresent() ? String.format(Locale.ROOT, "%.2f ms", result.cpuMillisPerRequest())
							: "");
			if (result.firstFailure() != null) {
				System.out.println("    first failure: " + result.firstFailure());
			}
		}
		if (results.stream().anyMatch((result) -> result.failed() > 0)) {
			System.out.println("Requests failed: the figures count answered requests only, so the shares below are not "
					+ "a like-for-like comparison (a 429 is a client's rate limit: more --clients, each with its own)");
		}
		for (int i = 0; i + 1 < paths.size(); i += 2) {
			Result gateway = results.get(i);
			Result straight = results.get(i + 1);
			String resource = paths.get(i).name().replaceFirst(" through the gateway$", "");
			double share = 100 * gateway.perSecond() / straight.perSecond();
			System.out.printf(Locale.ROOT, "%-36s %9.0f %% %+6.1f ms %+6.1f ms%n", resource + ": gateway vs straight",
					share, p(gateway.latencies(), 50) - p(straight.latencies(), 50),
					p(gateway.latencies(), 99) - p(straight.latencies(), 99));
			// Only a run where every request was answered, both ways, compares like with like.
			boolean comparable = gateway.failed() == 0 && straight.failed() == 0 && straight.perSecond() > 0;
			figures.add(resource + " GETs, most/s: gateway vs straight",
					String.format(Locale.ROOT, "%.0f %% (%.0f / %.0f/s, gateway CPU %.2f ms/req)%s", share,
							gateway.perSecond(), straight.perSecond(), gateway.cpuMillisPerRequest(),
							comparable ? "" : ", not comparable: requests failed or none answered"),
					">= 50 %", comparable && share >= 50);
		}
	}

	/** Refuses a run that would outlast the accounts' access tokens, rather than measure 401s at its end. */
	static void checkTokens(Instant tokensExpire, Duration run, String shorter) {
		Duration left = Duration.between(Instant.now(), tokensExpire);
		if (left.compareTo(run) < 0) {
			throw new LauncherException("the run would outlast the accounts' access tokens (" + left.toSeconds()
					+ " s left after signing up): " + shorter);
		}
	}

	/** Each client sends, waits for the answer, and sends again, until the time is up. */
	static Result closedLoop(HttpClient http, List<Client> clients, Path path, Duration duration)
			throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(clients.size());
		try {
			Duration cpuBefore = path.cpu().map(Supplier::get).orElse(Duration.ZERO);
			long start = System.nanoTime();
			long deadline = start + duration.toNanos();
			List<Future<Result>> loops = new ArrayList<>();
			for (Client client : clients) {
				HttpRequest request = HttpRequest.newBuilder(URI.create(path.base() + path.path().apply(client)))
					.timeout(TIMEOUT)
					.header("Authorization", "Bearer " + client.token())
					.build();
				loops.add(pool.submit(() -> loop(http, request, deadline)));
			}
			Result all = new Result(List.of(), 0, null, Duration.ZERO, Duration.ZERO);
			for (Future<Result> loop : loops) {
				all = all.plus(loop.get());
			}
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			Duration cpu = path.cpu().map(Supplier::get).orElse(Duration.ZERO).minus(cpuBefore);
			return new Result(all.latencies(), all.failed(), all.firstFailure(), took, cpu);
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static Result loop(HttpClient http, HttpRequest request, long deadline) {
		List<Long> latencies = new ArrayList<>();
		int failed = 0;
		String firstFailure = null;
		while (System.nanoTime() < deadline) {
			long start = System.nanoTime();
			String failure;
			try {
				HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
				failure = (response.statusCode() == 200) ? null : response.statusCode() + " " + response.body();
			}
			catch (IOException ex) {
				failure = ex.toString();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
			if (failure == null) {
				latencies.add(System.nanoTime() - start);
			}
			else if (failed++ == 0) {
				firstFailure = failure;
			}
		}
		return new Result(latencies, failed, firstFailure, Duration.ZERO, Duration.ZERO);
	}

	static HttpClient client() {
		return HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(2))
			.build();
	}

	/** The percentile of sorted latencies in ns, in ms. */
	static double p(List<Long> sorted, int percentile) {
		if (sorted.isEmpty()) {
			return Double.NaN;
		}
		int index = (int) Math.ceil(sorted.size() * percentile / 100.0) - 1;
		return sorted.get(Math.max(0, index)) / 1e6;
	}

}
