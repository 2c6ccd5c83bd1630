package dev.keel.system;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;

/**
 * Steady load at a fixed rate through real HTTP, bounded by the test that stops it: every request is
 * recorded, and anything but an expected status, or no answer, is a failure.
 */
final class Load implements AutoCloseable {

	private static final HttpClient HTTP = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private final String name;

	private final LongFunction<HttpRequest> requests;

	private final Set<Integer> expected;

	private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

	private final AtomicInteger sent = new AtomicInteger();

	private final AtomicInteger answered = new AtomicInteger();

	private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

	private final ConcurrentLinkedQueue<HttpResponse<String>> responses = new ConcurrentLinkedQueue<>();

	private Load(String name, LongFunction<HttpRequest> requests, Set<Integer> expected) {
		this.name = name;
		this.requests = requests;
		this.expected = expected;
	}

	/** Starts sending {@code perSecond} requests a second, each built anew, until {@link #close()}. */
	static Load start(String name, int perSecond, Set<Integer> expected, Supplier<HttpRequest> requests) {
		return start(name, perSecond, expected, (tick) -> requests.get());
	}

	/** As above, each request built from its number (0, 1, 2...). */
	static Load start(String name, int perSecond, Set<Integer> expected, LongFunction<HttpRequest> requests) {
		Load load = new Load(name, requests, expected);
		load.ticker.scheduleAtFixedRate(load::send, 0, 1_000_000 / perSecond, TimeUnit.MICROSECONDS);
		return load;
	}

	private void send() {
		long tick = this.sent.getAndIncrement();
		HttpRequest request;
		try {
			request = this.requests.apply(tick);
		}
		catch (RuntimeException ex) {
			// A scheduled task that throws is never run again: a request that could not be built (no token) is a
			// failure of its own, and the load goes on.
			this.failures.add("request " + tick + " not built -> " + ex);
			this.answered.incrementAndGet();
			return;
		}
		HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
			if (failure != null) {
				this.failures.add(request.method() + " " + request.uri() + " -> " + failure);
			}
			else if (!this.expected.contains(response.statusCode())) {
				this.failures.add(request.method() + " " + request.uri() + " -> " + response.statusCode() + " "
						+ response.body());
			}
			else {
				this.responses.add(response);
			}
			this.answered.incrementAndGet();
		});
	}

	/** Waits (with a deadline) until this many more requests have been answered. */
	void awaitAnswers(int more) {
		int target = this.answered.get() + more;
		await().atMost(Duration.ofSeconds(180)).until(() -> this.answered.get() >= target);
	}

	int answered() {
		return this.answered.get();
	}

	List<String> failures() {
		return List.copyOf(this.failures);
	}

	List<HttpResponse<String>> responses() {
		return List.copyOf(this.responses);
	}

	/** Stops sending and waits for the answers still outstanding. */
	@Override
	public void close() {
		this.ticker.shutdownNow();
		await().atMost(Duration.ofSeconds(120)).until(() -> this.answered.get() >= this.sent.get());
	}

	@Override
	public String toString() {
		return this.name + ": " + this.answered.get() + " answered, " + this.failures.size() + " failed";
	}

}
