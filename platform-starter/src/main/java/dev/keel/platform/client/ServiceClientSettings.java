package dev.keel.platform.client;

import java.time.Duration;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How one service is called ({@code keel.clients.<service>.*}). Its circuit breaker and bulkhead are
 * Resilience4j instances named after the service ({@code resilience4j.circuitbreaker.instances.<service>},
 * {@code resilience4j.bulkhead.instances.<service>}).
 *
 * @param connectTimeout how long to wait for a connection to an instance
 * @param readTimeout how long to wait for the answer
 * @param maxAttempts attempts in all for GET, HEAD and OPTIONS (each on the next instance); other methods are
 * sent once, unless the connection was refused (then nothing reached the service)
 * @param backoff wait before a retry
 */
public record ServiceClientSettings(@DefaultValue("500ms") Duration connectTimeout,
		@DefaultValue("2s") Duration readTimeout, @DefaultValue("2") int maxAttempts,
		@DefaultValue("50ms") Duration backoff) {

	/** The worst case of one call, for budgets that must contain it. */
	public Duration worstCase() {
		return this.connectTimeout.plus(this.readTimeout).plus(this.backoff).multipliedBy(this.maxAttempts);
	}

}
