package dev.keel.gateway.resilience;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How many retries that may reach a backend a route may send: at most {@code ratio} of its requests over the last
 * ten seconds, plus {@code minPerSecond} per second of that window for the quiet times when a ratio of few
 * requests would allow none (Finagle's and Envoy's retry budgets). Per-request retry counts alone multiply the load on a struggling service by their
 * number; a budget caps the extra load at the ratio, whatever fails. Resilience4j has no such budget: hence
 * this one, ten one-second slots of counts.
 */
final class RetryBudget {

	private static final int SLOTS = 10;

	private final LongSupplier clock;

	private final long[] second = new long[SLOTS];

	private final long[] requests = new long[SLOTS];

	private final long[] retries = new long[SLOTS];

	RetryBudget(LongSupplier clock) {
		this.clock = clock;
	}

	synchronized void requested() {
		this.requests[slot()]++;
	}

	/** Takes one retry from the budget, if there is one left (the settings as of now: they may be refreshed). */
	synchronized boolean tryRetry(double ratio, int minPerSecond) {
		int current = slot();
		long now = this.second[current];
		long recentRequests = 0;
		long recentRetries = 0;
		for (int i = 0; i < SLOTS; i++) {
			if (now - this.second[i] < SLOTS) {
				recentRequests += this.requests[i];
				recentRetries += this.retries[i];
			}
		}
		if (recentRetries >= (long) minPerSecond * SLOTS + ratio * recentRequests) {
			return false;
		}
		this.retries[current]++;
		return true;
	}

	/** This second's slot, emptied first if it last counted an older second. */
	private int slot() {
		long now = TimeUnit.NANOSECONDS.toSeconds(this.clock.getAsLong());
		int slot = (int) Math.floorMod(now, (long) SLOTS);
		if (this.second[slot] != now) {
			this.second[slot] = now;
			this.requests[slot] = 0;
			this.retries[slot] = 0;
		}
		return slot;
	}

}
