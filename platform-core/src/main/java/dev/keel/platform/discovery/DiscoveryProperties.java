package dev.keel.platform.discovery;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a process judges the instances it sends traffic to, and how it leaves when it stops.
 *
 * @param healthCheckPath the readiness endpoint of every instance, on the port it takes traffic on
 * @param healthCheckInterval how often each known instance is probed
 * @param healthCheckTimeout how long a probe may take before it counts as late (see {@code lateProbes})
 * @param lateProbes probes in a row that must time out before an instance counts as late: avoided while a peer
 * can take its traffic, as an ejected one is, but not refused traffic when it is the last one (a busy instance
 * answers late; evicting it moves its load onto its peers, or leaves none). A refused connection or an answer
 * other than 200 (as during a graceful shutdown) takes it out of the rotation at once
 * @param forgetAfter instances absent from discovery this long are no longer probed
 * @param propagationDelay on shutdown, how long to keep serving after leaving discovery and turning
 * readiness off, so that callers notice before the port closes
 */
@ConfigurationProperties("keel.discovery")
public record DiscoveryProperties(@DefaultValue("/readyz") String healthCheckPath,
		@DefaultValue("1s") Duration healthCheckInterval, @DefaultValue("800ms") Duration healthCheckTimeout,
		@DefaultValue("3") int lateProbes, @DefaultValue("60s") Duration forgetAfter,
		@DefaultValue("5s") Duration propagationDelay) {

	public DiscoveryProperties {
		if (lateProbes < 1) {
			throw new IllegalArgumentException("keel.discovery.late-probes must be at least 1: " + lateProbes);
		}
	}

}
