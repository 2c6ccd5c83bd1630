package dev.keel.gateway.resilience;

import java.net.ConnectException;
import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.support.TimeoutException;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When another attempt may start: within the count, whatever made it necessary, and only if it can end within
 * the budget after its actual backoff.
 */
class SafeRetryTests {

	private final MockServerWebExchange get = MockServerWebExchange.from(MockServerHttpRequest.get("/api/v1/users/1"));

	@Test
	void oneCountForEverythingThatFails() {
		SafeRetryGatewayFilterFactory.Config config = config(2, Duration.ofMillis(10), 0);
		SafeRetryGatewayFilterFactory.Attempts attempts = attempts(config, Duration.ofMinutes(1).toNanos());

		assertThat(next(attempts, new ConnectException("refused"))).isNotNull();
		assertThat(next(attempts, new SafeRetryGatewayFilterFactory.RetryableAnswer(503))).isNotNull();
		assertThat(next(attempts, new ConnectException("refused"))).as("third retry").isNull();
	}

	@Test
	void aRetryWhoseBackoffWouldEndPastTheBudgetDoesNotStart() {
		SafeRetryGatewayFilterFactory.Config config = config(5, Duration.ofSeconds(2), 0.5);
		// The first backoff is between 1 and 3 s; a budget 500 ms away cannot hold it, however lucky the jitter.
		SafeRetryGatewayFilterFactory.Attempts attempts = attempts(config, Duration.ofMillis(500).toNanos());

		assertThat(next(attempts, new ConnectException("refused"))).isNull();
	}

	@Test
	void backoffsAreJitteredAroundTheirValue() {
		SafeRetryGatewayFilterFactory.Config config = config(1, Duration.ofMillis(100), 0.5);
		for (int i = 0; i < 50; i++) {
			SafeRetryGatewayFilterFactory.Attempts attempts = attempts(config, Duration.ofMinutes(1).toNanos());
			assertThat(next(attempts, new ConnectException("refused"))).isBetween(Duration.ofMillis(50),
					Duration.ofMillis(150));
		}
	}

	@Test
	void aRetryBeyondTheRoutesBudgetIsNotSent() {
		SafeRetryGatewayFilterFactory.Config config = config(2, Duration.ofMillis(10), 0);
		config.setMinRetriesPerSecond(0);
		config.setRetryRatio(0.2);
		RetryBudget budget = new RetryBudget(System::nanoTime);
		for (int i = 0; i < 10; i++) {
			budget.requested();
		}
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		Counter refused = meters.counter("refused");

		Throwable answered503 = new SafeRetryGatewayFilterFactory.RetryableAnswer(503);
		assertThat(next(attempts(config, budget, refused), answered503)).isNotNull();
		assertThat(next(attempts(config, budget, refused), answered503)).as("two retries for ten requests").isNotNull();
		assertThat(next(attempts(config, budget, refused), answered503)).isNull();
		assertThat(refused.count()).isEqualTo(1);
		assertThat(next(attempts(config, budget, refused), new ConnectException("refused")))
			.as("a request that never reached a backend is retried whatever the budget").isNotNull();
	}

	@Test
	void noRequestOutlastsItsRoutesBudgetWhateverHoldsItBeforeAnAttemptsOwnTimeout() {
		SafeRetryGatewayFilterFactory.Config config = config(2, Duration.ofMillis(10), 0);
		config.setBudget(Duration.ofSeconds(3));
		GatewayFilter filter = new SafeRetryGatewayFilterFactory(new SimpleMeterRegistry()).apply(config);

		// A chain that never answers: a load balancer's lookup that hangs, a body that never arrives.
		StepVerifier.withVirtualTime(() -> filter.filter(this.get, (exchange) -> Mono.never()))
			.thenAwait(Duration.ofSeconds(3))
			.expectNoEvent(Duration.ofMillis(900))
			.thenAwait(Duration.ofMillis(200))
			.expectError(TimeoutException.class)
			.verify(Duration.ofSeconds(30));
	}

	private static SafeRetryGatewayFilterFactory.Attempts attempts(SafeRetryGatewayFilterFactory.Config config,
			long budgetNanos) {
		return attempts(config, new RetryBudget(System::nanoTime), new SimpleMeterRegistry().counter("refused"),
				budgetNanos);
	}

	private static SafeRetryGatewayFilterFactory.Attempts attempts(SafeRetryGatewayFilterFactory.Config config,
			RetryBudget budget, Counter refused) {
		return attempts(config, budget, refused, Duration.ofMinutes(1).toNanos());
	}

	private static SafeRetryGatewayFilterFactory.Attempts attempts(SafeRetryGatewayFilterFactory.Config config,
			RetryBudget budget, Counter refused, long budgetNanos) {
		return new SafeRetryGatewayFilterFactory.Attempts(config, System.nanoTime() + budgetNanos, budget, refused);
	}

	private Duration next(SafeRetryGatewayFilterFactory.Attempts attempts, Throwable failure) {
		attempts.attempted();
		return attempts.backoff(this.get, failure);
	}

	private static SafeRetryGatewayFilterFactory.Config config(int retries, Duration firstBackoff, double jitter) {
		SafeRetryGatewayFilterFactory.Config config = new SafeRetryGatewayFilterFactory.Config();
		config.setRetries(retries);
		config.setFirstBackoff(firstBackoff);
		config.setMaxBackoff(Duration.ofSeconds(10));
		config.setJitter(jitter);
		return config;
	}

}
