package dev.keel.gateway.resilience;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.util.retry.Retry;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.cloud.gateway.support.TimeoutException;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import static org.springframework.cloud.gateway.support.RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR;

import dev.keel.gateway.RouteConfig;
import dev.keel.platform.discovery.InstanceHealth;

/**
 * Retries that never duplicate work. A request that could not reach any instance (connection refused or
 * timed out, or no instance admitted) is retried whatever its method: it never reached a backend. A request
 * that may have reached one (I/O error after connecting, response timeout, 502/503/504) is retried only when
 * repeating it is safe: GET, HEAD, OPTIONS, and POST carrying an {@code Idempotency-Key}. Each retry goes
 * through the load balancer again (the instance that refused the connection has left the rotation).
 * <p>
 * One count of attempts for errors and answers alike ({@code retries} more at most), and no retry starts that
 * could not end within the route's budget, counting its actual, jittered, backoff and a whole response timeout.
 * Only requests that may be sent again after reaching a backend have their body kept in memory for it, and only
 * bodies the gateway's size limit let through. Spring Cloud Gateway's Retry filter keeps every body of the route,
 * of any size, and counts error retries and answer repeats apart: hence this filter.
 */
@Component
public class SafeRetryGatewayFilterFactory extends AbstractGatewayFilterFactory<SafeRetryGatewayFilterFactory.Config> {

	private static final Set<HttpMethod> SAFE_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

	private static final Set<Integer> RETRYABLE_STATUSES = Set.of(502, 503, 504);

	/** The last attempt ends by the budget's end with its own timeout; past this, something else is stuck. */
	private static final Duration BUDGET_MARGIN = Duration.ofSeconds(1);

	private final MeterRegistry meters;

	/** Per route id, kept across the rebuilds of routes a configuration refresh causes; bounded by the routes. */
	private final Map<String, RetryBudget> budgets = new ConcurrentHashMap<>();

	public SafeRetryGatewayFilterFactory(MeterRegistry meters) {
		super(Config.class);
		this.meters = meters;
	}

	@Override
	public GatewayFilter apply(Config config) {
		// Zeros up front, so that a retry-storm alert and the dashboards see every route before its first retry.
		Stream.concat(Stream.of("not-connected", "io-error", "timeout"),
				RETRYABLE_STATUSES.stream().map((status) -> "status-" + status))
			.forEach((reason) -> retries(config, reason));
		DistributionSummary attempts = DistributionSummary.builder("keel.gateway.attempts")
			.description("Attempts a request through the gateway took, its first included")
			.tag("route", String.valueOf(config.getRouteId()))
			.register(this.meters);
		Counter overBudget = Counter.builder("keel.gateway.retries.refused")
			.description("Retries not sent because the route's retry budget was spent")
			.tag("route", String.valueOf(config.getRouteId()))
			.register(this.meters);
		RetryBudget budget = this.budgets.computeIfAbsent(String.valueOf(config.getRouteId()),
				(route) -> new RetryBudget(System::nanoTime));
		return (exchange, chain) -> {
			budget.requested();
			Attempts state = new Attempts(config, System.nanoTime() + config.getBudget().toNanos(), budget,
					overBudget);
			Mono<Void> sent = safeToRepeat(exchange)
					? ServerWebExchangeUtils.cacheRequestBody(exchange,
							(request) -> send(exchange.mutate().request(request).build(), chain, state))
					: send(exchange, chain, state);
			// Each attempt has its response timeout, but not what comes before it (the load balancer's choice,
			// reading a body to replay): the route's budget bounds the whole, so that no client waits longer.
			return sent
				.timeout(config.getBudget().plus(BUDGET_MARGIN),
						Mono.error(() -> new TimeoutException("Route budget of " + config.getBudget() + " spent")))
				// Before the answer goes on (not in doFinally, after it): whoever sees the answer sees it counted.
				.doOnTerminate(() -> state.recordIn(attempts))
				.doOnCancel(() -> state.recordIn(attempts));
		};
	}

	private Mono<Void> send(ServerWebExchange exchange, GatewayFilterChain chain, Attempts state) {
		return Mono.defer(() -> {
			state.attempted();
			return chain.filter(exchange);
		}).then(Mono.defer(() -> {
			HttpStatusCode status = exchange.getResponse().getStatusCode();
			return (status != null && RETRYABLE_STATUSES.contains(status.value()))
					? Mono.<Void>error(new RetryableAnswer(status.value())) : Mono.<Void>empty();
		})).retryWhen(Retry.from((signals) -> signals.concatMap((signal) -> {
			Throwable failure = signal.failure();
			Duration backoff = state.backoff(exchange, failure);
			if (backoff == null) {
				return Mono.error(failure);
			}
			retries(state.config, reason(failure)).increment();
			reset(exchange);
			return Mono.delay(backoff);
		}))).onErrorResume(RetryableAnswer.class, (answer) -> Mono.empty());
	}

	/**
	 * Ready for another attempt: the answer of the last one discarded (its connection closed, not returned to the
	 * pool with a body unread), its headers removed, and the exchange routable again.
	 */
	private static void reset(ServerWebExchange exchange) {
		Connection connection = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
		if (connection != null) {
			connection.dispose();
			exchange.getAttributes().remove(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
		}
		// An answer of the discarded attempt that lands late must not be what the client is sent.
		exchange.getAttributes().remove(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR);
		// The instance of the last attempt, which the route's circuit breaker judges the outcome by: the next
		// attempt chooses its own, another one while one is admitted (the load balancer reads the exchange's
		// attributes), or none.
		Response<ServiceInstance> chosen = exchange
			.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		if (chosen != null && chosen.hasServer()) {
			InstanceHealth.tried(exchange.getAttributes(), chosen.getServer());
		}
		exchange.getAttributes().remove(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		ServerWebExchangeUtils.reset(exchange);
	}

	static boolean retryable(ServerWebExchange exchange, Throwable failure) {
		if (neverReachedABackend(failure)) {
			return true;
		}
		return (failure instanceof RetryableAnswer || cause(failure, IOException.class)
				|| cause(failure, TimeoutException.class) || cause(failure, java.util.concurrent.TimeoutException.class))
				&& safeToRepeat(exchange);
	}

	static boolean neverReachedABackend(Throwable failure) {
		return failure instanceof NotFoundException || InstanceHealth.isConnectFailure(failure);
	}

	static boolean safeToRepeat(ServerWebExchange exchange) {
		HttpMethod method = exchange.getRequest().getMethod();
		return SAFE_METHODS.contains(method) || (HttpMethod.POST.equals(method)
				&& exchange.getRequest().getHeaders().containsHeader("Idempotency-Key"));
	}

	private static Duration responseTimeout(ServerWebExchange exchange) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		Object timeout = (route != null) ? route.getMetadata().get(RESPONSE_TIMEOUT_ATTR) : null;
		return (timeout != null) ? Duration.ofMillis(Long.parseLong(timeout.toString())) : Duration.ZERO;
	}

	private static String reason(Throwable failure) {
		if (failure instanceof RetryableAnswer answer) {
			return "status-" + answer.status;
		}
		if (neverReachedABackend(failure)) {
			return "not-connected";
		}
		return (cause(failure, IOException.class)) ? "io-error" : "timeout";
	}

	private Counter retries(Config config, String reason) {
		return this.meters.counter("keel.gateway.retries", "route", String.valueOf(config.getRouteId()), "reason",
				reason);
	}

	private static boolean cause(Throwable failure, Class<? extends Throwable> type) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (type.isInstance(current)) {
				return true;
			}
		}
		return false;
	}

	/** The attempts of one request: how many so far, and until when another may start. */
	static final class Attempts {

		private final Config config;

		private final long deadline;

		private final RetryBudget budget;

		private final Counter overBudget;

		private int count;

		private final AtomicBoolean recorded = new AtomicBoolean();

		Attempts(Config config, long deadline, RetryBudget budget, Counter overBudget) {
			this.config = config;
			this.deadline = deadline;
			this.budget = budget;
			this.overBudget = overBudget;
		}

		void attempted() {
			this.count++;
		}

		/** Records how many attempts the request took, once, however it ended. */
		void recordIn(DistributionSummary attempts) {
			if (this.recorded.compareAndSet(false, true)) {
				attempts.record(this.count);
			}
		}

		/**
		 * The wait before the next attempt, or {@code null} if there is none: the failure is not retryable, the
		 * retries are spent, the next attempt could not end within the budget even if it took the route's whole
		 * response timeout after its backoff, or the route's retry budget is spent.
		 */
		Duration backoff(ServerWebExchange exchange, Throwable failure) {
			if (this.count > this.config.getRetries() || !retryable(exchange, failure)) {
				return null;
			}
			Duration backoff = jittered(this.config.getFirstBackoff().multipliedBy(1L << Math.min(this.count - 1, 20)));
			long end = System.nanoTime() + backoff.toNanos() + responseTimeout(exchange).toNanos();
			if (end - this.deadline > 0) {
				return null;
			}
			// A request that never reached a backend costs the service nothing to send again: outside the budget.
			if (!neverReachedABackend(failure)
					&& !this.budget.tryRetry(this.config.getRetryRatio(), this.config.getMinRetriesPerSecond())) {
				this.overBudget.increment();
				return null;
			}
			return backoff;
		}

		private Duration jittered(Duration backoff) {
			Duration capped = (backoff.compareTo(this.config.getMaxBackoff()) > 0) ? this.config.getMaxBackoff() : backoff;
			double spread = this.config.getJitter() * ThreadLocalRandom.current().nextDouble(-1, 1);
			return Duration.ofNanos(Math.max(0, Math.round(capped.toNanos() * (1 + spread))));
		}

	}

	/** A 502/503/504 answer, as an error while deciding whether to send again; passed to the client if not. */
	static final class RetryableAnswer extends RuntimeException {

		private final int status;

		RetryableAnswer(int status) {
			super("answered " + status, null, false, false);
			this.status = status;
		}

	}

	/** Per route: how often, how fast and for how long to retry. */
	public static class Config extends RouteConfig {

		private int retries = 2;

		private Duration firstBackoff = Duration.ofMillis(50);

		private Duration maxBackoff = Duration.ofMillis(500);

		private double jitter = 0.5;

		private Duration budget = Duration.ofSeconds(5);

		private double retryRatio = 0.2;

		private int minRetriesPerSecond = 10;

		/** Attempts after the first, at most, whatever made them necessary. */
		public int getRetries() {
			return this.retries;
		}

		public void setRetries(int retries) {
			this.retries = retries;
		}

		public Duration getFirstBackoff() {
			return this.firstBackoff;
		}

		public void setFirstBackoff(Duration firstBackoff) {
			this.firstBackoff = firstBackoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		/** Random spread of each backoff, as a share of it: 0.5 waits between half and one and a half times it. */
		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

		/** No attempt starts that could end after this much time since the request arrived. */
		public Duration getBudget() {
			return this.budget;
		}

		public void setBudget(Duration budget) {
			this.budget = budget;
		}

		/** Retries the route may send over the last ten seconds, as a share of its requests then. */
		public double getRetryRatio() {
			return this.retryRatio;
		}

		public void setRetryRatio(double retryRatio) {
			this.retryRatio = retryRatio;
		}

		/**
		 * Retries per second allowed on top of the ratio, so that a route with few requests can still retry;
		 * counted over the budget's ten seconds, so up to ten times this may be sent in one burst.
		 */
		public int getMinRetriesPerSecond() {
			return this.minRetriesPerSecond;
		}

		public void setMinRetriesPerSecond(int minRetriesPerSecond) {
			this.minRetriesPerSecond = minRetriesPerSecond;
		}

	}

}
