package dev.keel.platform.discovery;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.SmartLifecycle;

/**
 * What this process knows about the readiness of the instances it sends traffic to. An instance leaves the
 * rotation at once when a connection to it is refused, or when its readiness probe fails (as it does from
 * the moment a graceful shutdown begins); it comes back only when a probe sent after it left answers 200. One
 * whose probes time out {@code late-probes} times in a row is avoided, as an ejected one is, until one answers. New
 * instances are probed as soon as discovery lists them; at most one probe per instance is in flight, however
 * many requests fail on it.
 * <p>
 * It also keeps what the balancer weighs ({@link #cost}): requests outstanding on each instance, a decaying
 * average of their latency, and a slow-start ramp; and it ejects an instance that fails request after request
 * (outlier detection, as Envoy does) for a time that grows with each ejection, never more than a share of a
 * service's instances at once. Calls are reported through {@link #started}, by the gateway and service
 * clients alike.
 * <p>
 * Shared by every load-balanced client of the process. Instances are identified by service, host and port;
 * those absent from discovery for {@code forget-after} are forgotten, their metrics with them, so that what
 * this process tracks is bounded by the instances that exist, not by those that ever did.
 */
public class InstanceHealth implements SmartLifecycle {

	/**
	 * The request attribute with the instances a request was already sent to: a retry that went back to the one
	 * that just timed out (a stalled instance, cheapest by its last good answers) would time out again.
	 */
	public static final String TRIED_INSTANCES = "keel.loadbalancer.tried-instances";

	/**
	 * After the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}): requests still draining may call
	 * other services, and need to know which instances are up until the last one is answered.
	 */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;

	private static final Logger log = LoggerFactory.getLogger(InstanceHealth.class);

	private final DiscoveryProperties properties;

	private final LoadBalancingProperties balancing;

	private final MeterRegistry meters;

	private final LongSupplier clock;

	/** The clock's reading at construction: start times are summed as offsets from it, which cannot overflow. */
	private final long base;

	private final HttpClient http;

	private final Map<String, Tracked> instances = new ConcurrentHashMap<>();

	private volatile ScheduledExecutorService prober;

	/** Probes answered or failed so far, for tests that must wait for one. */
	private final AtomicLong probesDone = new AtomicLong();

	public InstanceHealth(DiscoveryProperties properties, LoadBalancingProperties balancing) {
		this(properties, balancing, null, System::nanoTime);
	}

	/**
	 * @param meters where each tracked instance's {@code keel.loadbalancer.*} meters are kept, or {@code null}
	 */
	public InstanceHealth(DiscoveryProperties properties, LoadBalancingProperties balancing, MeterRegistry meters) {
		this(properties, balancing, meters, System::nanoTime);
	}

	InstanceHealth(DiscoveryProperties properties, LoadBalancingProperties balancing, MeterRegistry meters,
			LongSupplier clock) {
		this.properties = properties;
		this.balancing = balancing;
		this.meters = meters;
		this.clock = clock;
		this.base = clock.getAsLong();
		this.http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(properties.healthCheckTimeout())
			.build();
	}

	/**
	 * The instances that may get traffic: those whose readiness is proven and that are neither ejected nor late
	 * to answer their probes; if none is, the ready ones all the same (avoiding is a preference, not a reason to
	 * refuse a call); if none is ready, those not yet probed (so that a cold start is not refused); never those
	 * seen failing their readiness.
	 */
	public List<ServiceInstance> admitted(List<ServiceInstance> discovered) {
		long now = this.clock.getAsLong();
		List<ServiceInstance> ready = new ArrayList<>();
		List<ServiceInstance> avoided = new ArrayList<>();
		List<ServiceInstance> unknown = new ArrayList<>();
		for (ServiceInstance instance : discovered) {
			Tracked tracked = tracked(instance);
			tracked.lastSeen = now;
			switch (tracked.state) {
				case READY -> (tracked.avoided(now) ? avoided : ready).add(instance);
				case UNKNOWN -> unknown.add(instance);
				case NOT_READY -> {
				}
			}
		}
		if (!ready.isEmpty()) {
			return ready;
		}
		return avoided.isEmpty() ? unknown : avoided;
	}

	/**
	 * A call to the instance begins: it counts as outstanding until the returned {@link Call} is ended.
	 */
	public Call started(ServiceInstance instance) {
		Tracked tracked = tracked(instance);
		long now = this.clock.getAsLong();
		tracked.begin(now - this.base);
		return new Call(tracked, now);
	}

	/**
	 * What sending one more request to the instance is expected to cost, lower being better: its latency (the
	 * decaying average, or the mean age of its outstanding requests if those are older: an instance that stopped
	 * answering looks slow at once, not when its requests time out) times its outstanding requests plus this one,
	 * divided by its weight and its slow-start share. Peak-EWMA as Finagle and Linkerd weigh it: the average
	 * decays with time whether or not requests come, so that an instance shunned for one slow spell is tried
	 * again rather than starved for ever.
	 */
	public double cost(ServiceInstance instance, int weight) {
		Tracked tracked = tracked(instance);
		long now = this.clock.getAsLong();
		long[] pending = tracked.pending();
		int outstanding = (int) Math.max(0, pending[0]);
		double latency = Math.max(tracked.sampled ? tracked.latency(now) : peerLatency(tracked, now), MIN_LATENCY_NANOS);
		if (outstanding > 0) {
			latency = Math.max(latency, (now - this.base) - (double) pending[1] / outstanding);
		}
		return latency * (outstanding + 1) / (Math.max(1, weight) * tracked.share(now));
	}

	/**
	 * An instance not answered yet is assumed as slow as its sampled peers on average: were it assumed fast, a
	 * JVM just started would be handed the most traffic, the opposite of slow start.
	 */
	private double peerLatency(Tracked unsampled, long now) {
		double sum = 0;
		int sampled = 0;
		for (Tracked peer : this.instances.values()) {
			if (peer.sampled && peer.instance.getServiceId().equals(unsampled.instance.getServiceId())) {
				sum += peer.latency(now);
				sampled++;
			}
		}
		return (sampled > 0) ? sum / sampled : 0;
	}

	/**
	 * Whether a failure of the instance (see {@link #isInstanceFailure}) is its own: another instance of its
	 * service is ready, neither ejected nor late, and less than a quarter of its recent requests failed. A circuit breaker for
	 * the whole service should not count such a failure; ejection deals with the instance. The peers' recent
	 * failure ratio, not their last outcome, so that a service failing a share of its requests everywhere (one
	 * endpoint of several) is seen as failing.
	 */
	public boolean hasHealthyPeer(ServiceInstance failed) {
		String key = key(failed);
		long now = this.clock.getAsLong();
		for (Tracked tracked : this.instances.values()) {
			if (!tracked.key.equals(key) && tracked.instance.getServiceId().equals(failed.getServiceId())
					&& tracked.state == State.READY && !tracked.avoided(now) && tracked.failureRatio() < 0.25) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A connection to the instance could not be made: it leaves the rotation until a later probe answers.
	 */
	private void connectionFailed(ServiceInstance instance, Throwable failure) {
		Tracked tracked = tracked(instance);
		// With update(): a probe's READY must not land between the eviction's two writes.
		synchronized (tracked) {
			tracked.evictedAt = this.clock.getAsLong();
			if (tracked.state == State.NOT_READY) {
				return;
			}
			tracked.state = State.NOT_READY;
		}
		log.info("{} left the rotation: {}", tracked.key, failure.toString());
	}

	/**
	 * Ejects the instance after its last failure if no more than the allowed share of its service is ejected
	 * then. Synchronized: two instances failing together must not both take the last allowed place.
	 */
	private synchronized void failedAgain(Tracked tracked, long now) {
		LoadBalancingProperties.Ejection ejection = this.balancing.ejection();
		if (tracked.consecutiveFailures.get() < ejection.consecutiveFailures() || tracked.ejected(now)) {
			return;
		}
		// Of the instances that could take traffic: a killed one (not ready) leaves none to spare.
		int service = 0;
		int ejected = 0;
		for (Tracked peer : this.instances.values()) {
			if (peer.instance.getServiceId().equals(tracked.instance.getServiceId()) && peer.state == State.READY) {
				service++;
				ejected += peer.ejected(now) ? 1 : 0;
			}
		}
		if ((ejected + 1) * 100L > (long) service * ejection.maxPercent()) {
			return;
		}
		long baseTime = ejection.baseTime().toNanos();
		// One step back per base time spent in the rotation since the last ejection ended.
		long stepsBack = (tracked.ejections > 0) ? Math.max(0, (now - tracked.ejectedUntil) / baseTime) : 0;
		tracked.ejections = (int) Math.max(0, tracked.ejections - stepsBack) + 1;
		long length = Math.min(baseTime * tracked.ejections, ejection.maxTime().toNanos());
		tracked.ejectedUntil = now + length;
		tracked.consecutiveFailures.set(0);
		if (tracked.ejectionCount != null) {
			tracked.ejectionCount.increment();
		}
		log.warn("{} ejected for {} ms after {} failed requests in a row", tracked.key,
				TimeUnit.NANOSECONDS.toMillis(length), ejection.consecutiveFailures());
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
		long forgetBefore = this.clock.getAsLong() - this.properties.forgetAfter().toNanos();
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
		long sentAt = this.clock.getAsLong();
		try {
			URI uri = URI.create(tracked.instance.getUri().toString() + this.properties.healthCheckPath());
			HttpRequest request = HttpRequest.newBuilder(uri)
				.timeout(this.properties.healthCheckTimeout())
				.GET()
				.build();
			this.http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
				// The flag is cleared last: a newer probe must not land before this older answer overwrites it.
				if (failure != null && isTimeout(failure) && !isConnectFailure(failure)) {
					// Late, not refused: busy or stalled rather than gone.
					if (tracked.probeTimeouts.incrementAndGet() == this.properties.lateProbes()) {
						log.info("{} answers its readiness probes late: avoided while a peer can take its traffic",
								tracked.key);
					}
				}
				else {
					if (failure == null && tracked.probeTimeouts.getAndSet(0) >= this.properties.lateProbes()) {
						// Back from a late spell as from an ejection: its share ramps up again.
						tracked.readySince = this.clock.getAsLong();
						log.info("{} answers its readiness probes in time again", tracked.key);
					}
					update(tracked, sentAt,
							(failure == null && response.statusCode() == 200) ? State.READY : State.NOT_READY,
							(failure != null) ? failure.toString() : "readiness " + response.statusCode());
				}
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
			if (previous != State.READY && probed == State.READY) {
				tracked.readySince = this.clock.getAsLong();
			}
		}
		if (previous == State.NOT_READY && probed == State.READY) {
			log.info("{} is back in the rotation", tracked.key);
		}
		else if (previous != State.NOT_READY && probed == State.NOT_READY) {
			log.info("{} left the rotation: {}", tracked.key, reason);
		}
	}

	private static boolean isTimeout(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof java.net.http.HttpTimeoutException) {
				return true;
			}
		}
		return false;
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

	/**
	 * Records, in a request's attributes (the gateway's exchange, a service client's call), that it was sent to this
	 * instance: its retries go to another while one is admitted ({@link #TRIED_INSTANCES}).
	 */
	@SuppressWarnings("unchecked")
	public static void tried(Map<String, Object> attributes, ServiceInstance instance) {
		((Set<String>) attributes.computeIfAbsent(TRIED_INSTANCES, (name) -> new HashSet<String>())).add(key(instance));
	}

	/** Whether a request with these attributes was already sent to this instance. */
	static boolean wasTried(Map<String, Object> attributes, ServiceInstance instance) {
		return (attributes.get(TRIED_INSTANCES) instanceof Set<?> tried) && tried.contains(key(instance));
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

	/**
	 * Whether an answer says the instance failed: 500, 502 and 504 do. 503 does not: a service answers it on
	 * purpose (a dependency or its database is down, with a Retry-After), for a cause its peers share, and
	 * ejecting instances for it would shrink a healthy fleet. Such answers count against the service's circuit
	 * breaker instead.
	 */
	public static boolean isInstanceFailure(int status) {
		return status == 500 || status == 502 || status == 504;
	}

	/** Below this a latency average says nothing (and a zero one would make every load look free). */
	private static final double MIN_LATENCY_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

	/**
	 * One request sent to an instance, ended once by whichever of its methods is called first.
	 */
	public final class Call {

		private final Tracked tracked;

		private final long startedAt;

		private final AtomicBoolean ended = new AtomicBoolean();

		private Call(Tracked tracked, long startedAt) {
			this.tracked = tracked;
			this.startedAt = startedAt;
		}

		/** The instance answered with this status; see {@link InstanceHealth#isInstanceFailure(int)}. */
		public void answered(int status) {
			if (status == 503) {
				// Neither the instance's failure nor a success: says nothing of it against its peers.
				end("failed");
				return;
			}
			boolean failed = isInstanceFailure(status);
			if (end(failed ? "failed" : "success")) {
				judged(failed);
			}
		}


		/**
		 * The request failed: a connection that could not be made takes the instance out of the rotation until a
		 * probe answers; any other failure (reset, timeout) counts towards ejection and has it probed at once.
		 */
		public void failed(Throwable failure) {
			if (!end("failed")) {
				return;
			}
			if (isConnectFailure(failure)) {
				connectionFailed(this.tracked.instance, failure);
			}
			else {
				judged(true);
				probeSoon(this.tracked);
			}
		}

		/**
		 * The caller gave up (the client went away): not a failure of the instance, but a wait as long as it was
		 * is its latency if longer than its average, so that an instance whose callers always give up first is
		 * not taken for a fast one.
		 */
		public void abandoned() {
			end("discard");
		}

		private boolean end(String outcome) {
			if (!this.ended.compareAndSet(false, true)) {
				return false;
			}
			long now = clock.getAsLong();
			this.tracked.finish(this.startedAt - base);
			this.tracked.sampled(now - this.startedAt, now, "discard".equals(outcome));
			this.tracked.count(outcome);
			return true;
		}

		private void judged(boolean failed) {
			this.tracked.judged(failed);
			if (!failed) {
				this.tracked.consecutiveFailures.set(0);
				return;
			}
			this.tracked.consecutiveFailures.incrementAndGet();
			failedAgain(this.tracked, clock.getAsLong());
		}

	}

	private final class Tracked {

		final String key;

		final ServiceInstance instance;

		final AtomicBoolean probing = new AtomicBoolean();

		final Map<String, Counter> requests = new ConcurrentHashMap<>();

		final List<Meter> gauges = new ArrayList<>();

		final Counter ejectionCount;

		volatile State state = State.UNKNOWN;

		volatile long lastSeen = clock.getAsLong();

		/** When a connection to it was last refused; a READY probe sent before then is ignored. */
		volatile long evictedAt = clock.getAsLong() - TimeUnit.DAYS.toNanos(1);

		/** When it last became ready: the start of its slow-start ramp. */
		volatile long readySince = clock.getAsLong();

		/** Its requests not answered yet, and the sum of their start times (offsets from base): their mean age. */
		private long outstanding;

		private long pendingSince;

		/** The two together: a count read without its sum, or the other way round, would make an age of years. */
		synchronized void begin(long startOffset) {
			this.outstanding++;
			this.pendingSince += startOffset;
		}

		synchronized void finish(long startOffset) {
			this.outstanding--;
			this.pendingSince -= startOffset;
		}

		synchronized long[] pending() {
			return new long[] { this.outstanding, this.pendingSince };
		}

		/** Its latency average at its last sample, in nanoseconds. */
		private double latencyNanos;

		private long latencySampledAt = clock.getAsLong();

		/** Whether it has answered (or kept a caller waiting) at least once. */
		volatile boolean sampled;

		/** Decaying share of its recent requests that failed, each new one weighing a tenth. */
		private double failureRatio;

		final AtomicInteger consecutiveFailures = new AtomicInteger();

		/** Readiness probes in a row that timed out. */
		final AtomicInteger probeTimeouts = new AtomicInteger();

		/** Ejections in a row, each one longer; guarded by the InstanceHealth. */
		int ejections;

		volatile long ejectedUntil = clock.getAsLong() - TimeUnit.DAYS.toNanos(1);

		Tracked(String key, ServiceInstance instance) {
			this.key = key;
			this.instance = instance;
			if (meters == null) {
				this.ejectionCount = null;
				return;
			}
			String service = instance.getServiceId();
			String target = instance.getHost() + ":" + instance.getPort();
			this.ejectionCount = Counter.builder("keel.loadbalancer.ejections")
				.description("Times the instance was ejected for failing request after request")
				.tags("service", service, "target", target)
				.register(meters);
			this.gauges.add(this.ejectionCount);
			this.gauges.add(Gauge.builder("keel.loadbalancer.outstanding", this, (t) -> Math.max(0, t.pending()[0]))
				.description("Requests sent to the instance and not yet answered")
				.tags("service", service, "target", target)
				.strongReference(true)
				.register(meters));
			this.gauges.add(Gauge.builder("keel.loadbalancer.latency", this, (t) -> t.latency(clock.getAsLong()) / 1e9)
				.description("Decaying average of the instance's latency, peaks kept at once")
				.baseUnit("seconds")
				.tags("service", service, "target", target)
				.strongReference(true)
				.register(meters));
			this.gauges.add(Gauge.builder("keel.loadbalancer.weight", this, (t) -> t.weight(clock.getAsLong()))
				.description("Share of traffic the instance may take relative to a warm one: 0 out of rotation, "
						+ "rising from the slow-start minimum to 1")
				.tags("service", service, "target", target)
				.strongReference(true)
				.register(meters));
			this.gauges.add(Gauge.builder("keel.loadbalancer.ejected", this, (t) -> t.ejected(clock.getAsLong()) ? 1 : 0)
				.description("1 while the instance is ejected")
				.tags("service", service, "target", target)
				.strongReference(true)
				.register(meters));
		}

		boolean ejected(long now) {
			return now - this.ejectedUntil < 0;
		}

		/** Ejected, or late to answer its probes. */
		boolean avoided(long now) {
			return ejected(now) || this.probeTimeouts.get() >= properties.lateProbes();
		}

		/** Its slow-start share: the ramp restarts when it becomes ready and when an ejection ends. */
		double share(long now) {
			long window = balancing.slowStart().window().toNanos();
			if (window <= 0) {
				return 1;
			}
			long since = Math.max(this.readySince, this.ejectedUntil);
			double elapsed = (double) (now - since) / window;
			return (elapsed >= 1) ? 1 : Math.max(balancing.slowStart().minWeight(), Math.max(0, elapsed));
		}

		double weight(long now) {
			return (this.state == State.NOT_READY || avoided(now)) ? 0 : share(now);
		}

		/** The latency average as of now: the last one, decayed for the time since. */
		synchronized double latency(long now) {
			return this.latencyNanos * decay(now);
		}

		/**
		 * A latency sample: kept at once if higher than the average as of now (a slowing instance is noticed on
		 * its first slow answer), else moving it a fifth of the way. Between samples the average decays with time
		 * ({@link #latency}). A wait the caller gave up on counts only as a peak.
		 */
		synchronized void sampled(long latency, long now, boolean abandoned) {
			double average = latency(now);
			if (abandoned && latency <= average) {
				return;
			}
			this.latencySampledAt = now;
			this.latencyNanos = (latency > average || !this.sampled) ? latency : average + (latency - average) * 0.2;
			this.sampled = true;
		}

		synchronized void judged(boolean failed) {
			this.failureRatio += ((failed ? 1 : 0) - this.failureRatio) * 0.1;
		}

		synchronized double failureRatio() {
			return this.failureRatio;
		}

		private double decay(long now) {
			return Math.exp(-(double) Math.max(0, now - this.latencySampledAt) / balancing.latencyDecay().toNanos());
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
				this.gauges.forEach(meters::remove);
			}
		}

	}

}
