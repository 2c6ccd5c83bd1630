package dev.keel.gateway.ratelimit;

/**
 * The client has used up its tokens for this route. Rendered as 429 with Retry-After and RateLimit headers.
 */
public class RateLimited extends RuntimeException {

	private final long limit;

	private final long retryAfterSeconds;

	RateLimited(long limit, long retryAfterSeconds) {
		super("rate limited", null, false, false);
		this.limit = limit;
		this.retryAfterSeconds = retryAfterSeconds;
	}

	public long limit() {
		return this.limit;
	}

	public long retryAfterSeconds() {
		return this.retryAfterSeconds;
	}

}
