package dev.keel.gateway.resilience;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries as a share of recent requests, plus a floor per second, on a clock the test moves.
 */
class RetryBudgetTests {

	private final AtomicLong now = new AtomicLong(TimeUnit.DAYS.toNanos(1));

	private final RetryBudget budget = new RetryBudget(this.now::get);

	@Test
	void retriesAreAShareOfTheRequestsOfTheLastTenSeconds() {
		requests(100);
		assertThat(retries(0.2, 0)).as("a fifth of 100").isEqualTo(20);

		this.now.addAndGet(TimeUnit.SECONDS.toNanos(5));
		requests(50);
		assertThat(retries(0.2, 0)).as("a fifth of 150, less the 20 sent").isEqualTo(10);

		this.now.addAndGet(TimeUnit.SECONDS.toNanos(6));
		assertThat(retries(0.2, 0)).as("the first 100 requests and their 20 retries are forgotten").isZero();
		requests(50);
		assertThat(retries(0.2, 0)).as("a fifth of 100, less the 10 still remembered").isEqualTo(10);
	}

	@Test
	void aQuietRouteStillHasItsFloor() {
		assertThat(retries(0.2, 1)).as("one per second over ten seconds").isEqualTo(10);
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(10));
		assertThat(retries(0.2, 1)).isEqualTo(10);
	}

	private void requests(int count) {
		for (int i = 0; i < count; i++) {
			this.budget.requested();
		}
	}

	private int retries(double ratio, int minPerSecond) {
		int sent = 0;
		while (sent < 10_000 && this.budget.tryRetry(ratio, minPerSecond)) {
			sent++;
		}
		return sent;
	}

}
