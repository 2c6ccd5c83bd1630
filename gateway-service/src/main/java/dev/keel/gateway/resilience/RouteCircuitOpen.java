package dev.keel.gateway.resilience;

/**
 * A route's circuit breaker is open: the request was not sent. Rendered as 503 with Retry-After.
 */
public class RouteCircuitOpen extends RuntimeException {

	private final long retryAfterSeconds;

	RouteCircuitOpen(String route, long retryAfterSeconds) {
		super("circuit of route " + route + " is open", null, false, false);
		this.retryAfterSeconds = retryAfterSeconds;
	}

	public long retryAfterSeconds() {
		return this.retryAfterSeconds;
	}

}
