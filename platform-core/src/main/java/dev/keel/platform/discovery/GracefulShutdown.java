package dev.keel.platform.discovery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.cloud.client.serviceregistry.AbstractAutoServiceRegistration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * The first thing that happens when the process is told to stop (SIGTERM): readiness turns to refusing
 * traffic, the instance leaves the service registry (Nacos), and the process keeps serving for the
 * propagation delay, so that every caller stops sending before anything closes. Only then does the web
 * server drain in-flight requests (Spring Boot's graceful shutdown, a later phase), and only after that do
 * pools close. Deregistering after the web server has stopped, as Spring Cloud does by default, is what
 * loses requests on every rolling restart.
 */
class GracefulShutdown implements SmartLifecycle {

	/** Before Spring Boot's web server graceful shutdown (DEFAULT_PHASE - 1024). */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

	private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);

	private final ApplicationContext context;

	private final ObjectProvider<AbstractAutoServiceRegistration<?>> registrations;

	private final DiscoveryProperties properties;

	private volatile boolean running;

	GracefulShutdown(ApplicationContext context, ObjectProvider<AbstractAutoServiceRegistration<?>> registrations,
			DiscoveryProperties properties) {
		this.context = context;
		this.registrations = registrations;
		this.properties = properties;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		log.info("Shutting down: refusing new traffic, leaving discovery, then draining for {}",
				this.properties.propagationDelay());
		AvailabilityChangeEvent.publish(this.context, ReadinessState.REFUSING_TRAFFIC);
		this.registrations.orderedStream().forEach((registration) -> {
			try {
				// Deregisters now, unless the registry's own shutdown already has (Spring Cloud Alibaba's, when the
				// context closed): then, as for its @PreDestroy later, a stopped registration does nothing.
				registration.stop();
			}
			catch (RuntimeException ex) {
				log.warn("Deregistration failed; callers will notice through failed readiness probes", ex);
			}
		});
		try {
			// Not a synchronisation guess: the time callers need to see the readiness change or the
			// registry push (one probe interval or one Nacos push, with margin).
			Thread.sleep(this.properties.propagationDelay().toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
