package dev.keel.platform.transaction;

import java.time.Duration;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How {@link RetryableTransaction}s are retried ({@code keel.transactions.retry.*}, live: a refresh applies to
 * the next call): exponential backoff with jitter, bounded by attempts and by total time.
 *
 * @param maxAttempts attempts in all, the first one included
 * @param initialBackoff wait before the first retry
 * @param multiplier growth of the wait from one retry to the next
 * @param jitter random spread of each wait as a share of it, from 0 (none) to 1 (up to twice the wait), never
 * below the initial backoff
 * @param maxBackoff longest wait between two attempts
 * @param maxTotalTime no attempt starts, and no wait begins that would end, after this much time since the first
 * attempt began
 * @param retryAfter what the 503 tells clients to wait when retries are exhausted
 */
public record TransactionRetryProperties(@DefaultValue("5") int maxAttempts,
		@DefaultValue("20ms") Duration initialBackoff, @DefaultValue("2.0") double multiplier,
		@DefaultValue("0.5") double jitter, @DefaultValue("500ms") Duration maxBackoff,
		@DefaultValue("5s") Duration maxTotalTime, @DefaultValue("1s") Duration retryAfter) {

	public TransactionRetryProperties {
		if (maxAttempts < 1) {
			throw new IllegalArgumentException("keel.transactions.retry.max-attempts must be at least 1");
		}
		if (jitter < 0 || jitter >= 1) {
			throw new IllegalArgumentException("keel.transactions.retry.jitter must be in [0, 1)");
		}
		if (multiplier < 1) {
			throw new IllegalArgumentException("keel.transactions.retry.multiplier must be at least 1");
		}
		// Zero or negative durations would retry without pause, or never: a refresh carrying one is refused.
		positive("initial-backoff", initialBackoff);
		positive("max-backoff", maxBackoff);
		positive("max-total-time", maxTotalTime);
		positive("retry-after", retryAfter);
		if (maxBackoff.compareTo(initialBackoff) < 0) {
			throw new IllegalArgumentException(
					"keel.transactions.retry.max-backoff must not be shorter than initial-backoff");
		}
	}

	private static void positive(String name, Duration value) {
		if (value == null || value.isZero() || value.isNegative()) {
			throw new IllegalArgumentException("keel.transactions.retry." + name + " must be positive");
		}
	}

}
