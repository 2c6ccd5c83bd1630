package dev.keel.platform.discovery;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a process spreads its calls over the instances {@link InstanceHealth} admits. Read at start-up.
 *
 * @param algorithm {@code least-loaded} (power of two choices over outstanding requests and latency) or
 * {@code round-robin} (Spring Cloud's, over Nacos weights; no slow start, kept to compare against)
 * @param latencyDecay how fast an instance's latency average forgets: a sample this old weighs 1/e
 * @param slowStart the ramp of an instance's share after it is admitted or comes back from ejection
 * @param ejection when an instance that keeps failing is taken out of the rotation, and for how long
 */
@ConfigurationProperties("keel.loadbalancer")
public record LoadBalancingProperties(@DefaultValue("least-loaded") Algorithm algorithm,
		@DefaultValue("10s") Duration latencyDecay, @DefaultValue SlowStart slowStart,
		@DefaultValue Ejection ejection) {

	// Checked here rather than with Bean Validation, which platform-core does not bring: a zero decay or weight
	// would make every cost NaN or infinite, and the balancer's choices random.
	public LoadBalancingProperties {
		if (latencyDecay.isNegative() || latencyDecay.isZero()) {
			throw new IllegalArgumentException("keel.loadbalancer.latency-decay must be positive: " + latencyDecay);
		}
	}

	public enum Algorithm {

		LEAST_LOADED, ROUND_ROBIN

	}

	/**
	 * @param window how long the ramp lasts; zero turns slow start off
	 * @param minWeight the share an instance starts the ramp with, relative to a warm one
	 */
	public record SlowStart(@DefaultValue("20s") Duration window, @DefaultValue("0.1") double minWeight) {

		public SlowStart {
			if (window.isNegative() || !(minWeight > 0 && minWeight <= 1)) {
				throw new IllegalArgumentException(
						"keel.loadbalancer.slow-start: window must not be negative, min-weight must be in (0, 1]");
			}
		}

	}

	/**
	 * @param consecutiveFailures failed requests in a row (errors, timeouts, 500/502/504; a 503 is the service
	 * refusing on purpose) that eject an instance
	 * @param baseTime the first ejection's length; each further one is longer by as much, back down by one step
	 * per {@code baseTime} without ejection
	 * @param maxTime the longest an ejection lasts
	 * @param maxPercent the most of a service's instances ejected at once, in percent: a slow fleet is not emptied
	 */
	public record Ejection(@DefaultValue("5") int consecutiveFailures, @DefaultValue("5s") Duration baseTime,
			@DefaultValue("60s") Duration maxTime, @DefaultValue("50") int maxPercent) {

		public Ejection {
			if (consecutiveFailures < 1 || baseTime.isNegative() || baseTime.isZero() || maxTime.compareTo(baseTime) < 0 || maxPercent < 0
					|| maxPercent > 100) {
				throw new IllegalArgumentException("keel.loadbalancer.ejection: consecutive-failures must be at least 1, "
						+ "base-time positive, max-time at least base-time, max-percent from 0 to 100");
			}
		}

	}

}
