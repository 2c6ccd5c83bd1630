package dev.keel.gateway.ratelimit;

/**
 * A token bucket: holds up to {@code capacity} tokens, refilled at {@code ratePerSecond}; each request takes
 * one. Thread-safe.
 */
final class TokenBucket {

	private final double capacity;

	private final double ratePerSecond;

	private double tokens;

	private long refilledAt;

	TokenBucket(int capacity, double ratePerSecond, long nowNanos) {
		this.capacity = capacity;
		this.ratePerSecond = ratePerSecond;
		this.tokens = capacity;
		this.refilledAt = nowNanos;
	}

	synchronized Decision tryTake(long nowNanos) {
		this.tokens = Math.min(this.capacity, this.tokens + (nowNanos - this.refilledAt) / 1e9 * this.ratePerSecond);
		this.refilledAt = nowNanos;
		if (this.tokens >= 1) {
			this.tokens -= 1;
			return new Decision(true, (int) this.tokens, 0);
		}
		long waitSeconds = (long) Math.ceil((1 - this.tokens) / this.ratePerSecond);
		return new Decision(false, 0, Math.max(1, waitSeconds));
	}

	/** Whether the request may pass, what is left, and when to come back if not. */
	record Decision(boolean allowed, int remaining, long retryAfterSeconds) {
	}

}
