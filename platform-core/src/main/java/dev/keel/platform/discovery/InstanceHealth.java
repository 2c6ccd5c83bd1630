package dev.keel.platform.discovery;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.SmartLifecycle;

/**
 * What this process knows about the readiness of the instances it sends traffic to. An instance leaves the
 * rotation at once when a connection to it is refused, or when its readiness probe fails (as it does from
 * the moment a graceful shutdown begins); it comes back only when a probe sent after it left answers 200. New
 * instances are probed as soon as discovery lists them; at most one probe per instance is in flight, however
 * many requests fail on it.
 * <p>
 * Shared by every load-balanced client of the process. Instances are identified by service, host and port;
 * those absent from discovery for {@code forget-after} are forgotten, their metrics with them, so that what
 * this process tracks is bounded by the instances that exist, not by those that ever did.
 */
public class InstanceHealth implements SmartLifecycle {

	/**
	 * After the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}): requests still draining may call
	 * other services, and need to know which instances are up until the last one is answered.
	 */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;

	private static final Logger log = LoggerFactory.getLogger(InstanceHealth.class);

	private final DiscoveryProperties properties;

	private final MeterRegistry meters;

	private final HttpClient http;

	private final Map<String, Tracked> instances = new ConcurrentHashMap<>();

	private volatile ScheduledExecutorService prober;

	/** Probes answered or failed so far, for tests that must wait for one. */
	private final AtomicLong probesDone = new AtomicLong();

	public InstanceHealth(DiscoveryProperties properties) {
		this(properties, null);
	}

	/**
	 * @param meters where each tracked instance's {@code keel.loadbalancer.requests} are counted, or {@code null}
	 */
	public InstanceHealth(DiscoveryProperties properties, MeterRegistry meters) {
		this.properties = properties;
		this.meters = meters;
		this.http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(properties.healthCheckTimeout())
			.build();
	}

	/**
	 * The instances that may get traffic: those whose readiness is proven; if none is, those not yet probed
	 * (so that a cold start is not refused), never those seen failing.
	 */
	public List<ServiceInstance> admitted(List<ServiceInstance> discovered) {
		List<ServiceInstance> ready = new ArrayList<>();
		List<ServiceInstance> unknown = new ArrayList<>();
		for (ServiceInstance instance : discovered) {
			Tracked tracked = tracked(instance);
			tracked.lastSeen = System.nanoTime();
			switch (tracked.state) {
				case READY -> ready.add(instance);
				case UNKNOWN -> unknown.add(instance);
				case NOT_READY -> {
				}
			}
		}
		return ready.isEmpty() ? unknown : ready;
	}

	/**
	 * A connection to the instance could not be made: it leaves the rotation until a later probe answers.
	 */
	public void connectionFailed(ServiceInstance instance, Throwable failure) {
		Tracked tracked = tracked(instance);
		// With update(): a probe's READY must not land between the eviction's two writes.
		synchronized (tracked) {
			tracked.evictedAt = System.nanoTime();
			if (tracked.state == State.NOT_READY) {
				return;
			}
			tracked.state = State.NOT_READY;
		}
		log.info("{} left the rotation: {}", tracked.key, failure.toString());
	}

	/**
	 * A request to the instance failed after connecting (reset, closed early): probe it now rather than
	 * evict it on one failure that may be the connection's, not the instance's.
	 */
	public void suspect(ServiceInstance instance) {
		Tracked tracked = this.instances.get(key(instance));
		if (tracked != null) {
			probeSoon(tracked);
		}
	}

	/** Counts the outcome of a request the load balancer sent to the instance. */
	public void completed(ServiceInstance instance, String outcome) {
		tracked(instance).count(outcome);
	}

	long probesDone() {
		return this.probesDone.get();
	}

	State state(ServiceInstance instance) {
		Tracked tracked = this.instances.get(key(instance));
		return (tracked != null) ? tracked.state : State.UNKNOWN;
	}

	private Tracked tracked(ServiceInstance instance) {
		return this.instances.computeIfAbsent(key(instance), (key) -> {
			Tracked tracked = new Tracked(key, instance);
			probeSoon(tracked);
			return tracked;
		});
	}

	/** A probe of the instance, unless one is in flight already or the process no longer probes. */
	private void probeSoon(Tracked tracked) {
		ScheduledExecutorService prober = this.prober;
		if (prober == null || !tracked.probing.compareAndSet(false, true)) {
			return;
		}
		try {
			prober.execute(() -> probe(tracked));
		}
		catch (RejectedExecutionException ex) {
			// Stopping: nothing is probed any more, and the request that asked must not fail for it.
			tracked.probing.set(false);
		}
	}

	void probeAll() {
		long forgetBefore = System.nanoTime() - this.properties.forgetAfter().toNanos();
		this.instances.values().removeIf((tracked) -> {
			boolean forgotten = tracked.lastSeen - forgetBefore < 0;
			if (forgotten) {
				tracked.removeMeters();
			}
			return forgotten;
		});
		this.instances.values().forEach(this::probeSoon);
	}

	private void probe(Tracked tracked) {
		long sentAt = System.nanoTime();
		try {
			URI uri = URI.create(tracked.instance.getUri().toString() + this.properties.healthCheckPath());
			HttpRequest request = HttpRequest.newBuilder(uri)
				.timeout(this.properties.healthCheckTimeout())
				.GET()
				.build();
			this.http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
				// The flag is cleared last: a newer probe must not land before this older answer overwrites it.
				update(tracked, sentAt, (failure == null && response.statusCode() == 200) ? State.READY : State.NOT_READY,
						(failure != null) ? failure.toString() : "readiness " + response.statusCode());
				tracked.probing.set(false);
				this.probesDone.incrementAndGet();
			});
		}
		catch (RuntimeException ex) {
			// An instance whose address makes no URI, or a client that refuses the request: not ready, and
			// probed again on the next round rather than never (the flag would otherwise stay set).
			update(tracked, sentAt, State.NOT_READY, ex.toString());
			tracked.probing.set(false);
			this.probesDone.incrementAndGet();
		}
	}

	private void update(Tracked tracked, long sentAt, State probed, String reason) {
		State previous;
		synchronized (tracked) {
			if (probed == State.READY && sentAt - tracked.evictedAt < 0) {
				// Sent before the instance refused a connection: says nothing of it now.
				return;
			}
			previous = tracked.state;
			tracked.state = probed;
		}
		if (previous == State.NOT_READY && probed == State.READY) {
			log.info("{} is back in the rotation", tracked.key);
		}
		else if (previous != State.NOT_READY && probed == State.NOT_READY) {
			log.info("{} left the rotation: {}", tracked.key, reason);
		}
	}

	/**
	 * Whether a failure happened before anything reached the instance: refused, unreachable or timed out
	 * while connecting.
	 */
	public static boolean isConnectFailure(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof ConnectException || current instanceof NoRouteToHostException
					|| current instanceof HttpConnectTimeoutException
					|| current.getClass().getName().equals("io.netty.channel.ConnectTimeoutException")) {
				return true;
			}
		}
		return false;
	}

	static String key(ServiceInstance instance) {
		return instance.getServiceId() + "@" + instance.getHost() + ":" + instance.getPort();
	}

	@Override
	public void start() {
		ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "instance-health");
			thread.setDaemon(true);
			return thread;
		});
		long interval = this.properties.healthCheckInterval().toMillis();
		prober.scheduleWithFixedDelay(this::probeAllSafely, interval, interval, TimeUnit.MILLISECONDS);
		this.prober = prober;
	}

	private void probeAllSafely() {
		try {
			probeAll();
		}
		catch (RuntimeException ex) {
			log.warn("Probing instances failed", ex);
		}
	}

	@Override
	public void stop() {
		ScheduledExecutorService prober = this.prober;
		this.prober = null;
		if (prober != null) {
			prober.shutdownNow();
		}
	}

	@Override
	public boolean isRunning() {
		return this.prober != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	enum State {

		UNKNOWN, READY, NOT_READY

	}

	private final class Tracked {

		final String key;

		final ServiceInstance instance;

		final AtomicBoolean probing = new AtomicBoolean();

		final Map<String, Counter> requests = new ConcurrentHashMap<>();

		volatile State state = State.UNKNOWN;

		volatile long lastSeen = System.nanoTime();

		/** When a connection to it was last refused; a READY probe sent before then is ignored. */
		volatile long evictedAt = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

		Tracked(String key, ServiceInstance instance) {
			this.key = key;
			this.instance = instance;
		}

		void count(String outcome) {
			if (meters == null) {
				return;
			}
			this.requests.computeIfAbsent(outcome.toLowerCase(Locale.ROOT), (tag) -> Counter
				.builder("keel.loadbalancer.requests")
				.description("Requests the load balancer sent to an instance, by outcome")
				.tags("service", this.instance.getServiceId(), "target",
						this.instance.getHost() + ":" + this.instance.getPort(), "outcome", tag)
				.register(meters)).increment();
		}

		void removeMeters() {
			if (meters != null) {
				this.requests.values().forEach((Meter meter) -> meters.remove(meter));
			}
		}

	}

}
