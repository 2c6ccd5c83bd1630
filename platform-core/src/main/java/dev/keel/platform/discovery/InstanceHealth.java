package dev.keel.platform.discovery;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.SmartLifecycle;

/**
 * What this process knows about the readiness of the instances it sends traffic to. An instance leaves the
 * rotation at once when a connection to it is refused, or when its readiness probe fails (as it does from
 * the moment a graceful shutdown begins); it comes back only when its readiness probe answers 200. New
 * instances are probed as soon as discovery lists them.
 * <p>
 * Shared by every load-balanced client of the process. Instances are identified by service, host and port.
 */
public class InstanceHealth implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(InstanceHealth.class);

	private final DiscoveryProperties properties;

	private final HttpClient http;

	private final Map<String, Tracked> instances = new ConcurrentHashMap<>();

	private ScheduledExecutorService prober;

	public InstanceHealth(DiscoveryProperties properties) {
		this.properties = properties;
		this.http = HttpClient.newBuilder().connectTimeout(properties.healthCheckTimeout()).build();
	}

	/**
	 * The instances that may get traffic: those whose readiness is proven; if none is, those not yet probed
	 * (so that a cold start is not refused), never those seen failing.
	 */
	public List<ServiceInstance> admitted(List<ServiceInstance> discovered) {
		List<ServiceInstance> ready = new ArrayList<>();
		List<ServiceInstance> unknown = new ArrayList<>();
		for (ServiceInstance instance : discovered) {
			Tracked tracked = this.instances.computeIfAbsent(key(instance), (key) -> newlySeen(instance));
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
	 * A connection to the instance could not be made: it leaves the rotation until its probe answers.
	 */
	public void connectionFailed(ServiceInstance instance, Throwable failure) {
		Tracked tracked = this.instances.computeIfAbsent(key(instance), (key) -> new Tracked(instance));
		if (tracked.state != State.NOT_READY) {
			tracked.state = State.NOT_READY;
			log.info("{} left the rotation: {}", key(instance), failure.toString());
		}
	}

	/**
	 * A request to the instance failed after connecting (reset, closed early): probe it now rather than
	 * evict it on one failure that may be the connection's, not the instance's.
	 */
	public void suspect(ServiceInstance instance) {
		Tracked tracked = this.instances.get(key(instance));
		ScheduledExecutorService prober = this.prober;
		if (tracked != null && prober != null) {
			prober.execute(() -> probe(tracked));
		}
	}

	State state(ServiceInstance instance) {
		Tracked tracked = this.instances.get(key(instance));
		return (tracked != null) ? tracked.state : State.UNKNOWN;
	}

	private Tracked newlySeen(ServiceInstance instance) {
		Tracked tracked = new Tracked(instance);
		ScheduledExecutorService prober = this.prober;
		if (prober != null) {
			prober.execute(() -> probe(tracked));
		}
		return tracked;
	}

	void probeAll() {
		long forgetBefore = System.nanoTime() - this.properties.forgetAfter().toNanos();
		this.instances.values().removeIf((tracked) -> tracked.lastSeen < forgetBefore);
		this.instances.values().forEach(this::probe);
	}

	private void probe(Tracked tracked) {
		URI uri = URI.create(tracked.instance.getUri().toString() + this.properties.healthCheckPath());
		HttpRequest request = HttpRequest.newBuilder(uri).timeout(this.properties.healthCheckTimeout()).GET().build();
		this.http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
			.whenComplete((response, failure) -> update(tracked,
					(failure == null && response.statusCode() == 200) ? State.READY : State.NOT_READY,
					(failure != null) ? failure.toString() : "readiness " + response.statusCode()));
	}

	private void update(Tracked tracked, State probed, String reason) {
		State previous = tracked.state;
		tracked.state = probed;
		if (previous == State.NOT_READY && probed == State.READY) {
			log.info("{} is back in the rotation", key(tracked.instance));
		}
		else if (previous != State.NOT_READY && probed == State.NOT_READY) {
			log.info("{} left the rotation: {}", key(tracked.instance), reason);
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
		this.prober = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "instance-health");
			thread.setDaemon(true);
			return thread;
		});
		long interval = this.properties.healthCheckInterval().toMillis();
		this.prober.scheduleWithFixedDelay(this::probeAllSafely, interval, interval, TimeUnit.MILLISECONDS);
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
		if (this.prober != null) {
			this.prober.shutdownNow();
			this.prober = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.prober != null;
	}

	enum State {

		UNKNOWN, READY, NOT_READY

	}

	private static final class Tracked {

		final ServiceInstance instance;

		volatile State state = State.UNKNOWN;

		volatile long lastSeen = System.nanoTime();

		Tracked(ServiceInstance instance) {
			this.instance = instance;
		}

	}

}
