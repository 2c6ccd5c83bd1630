package dev.keel.gateway.resilience;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.retry.Backoff;
import reactor.retry.Jitter;
import reactor.retry.Repeat;
import reactor.retry.Retry;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RetryGatewayFilterFactory;
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
 * repeating it is safe: GET, HEAD, OPTIONS, and POST carrying an {@code Idempotency-Key}. Retries back off
 * exponentially with jitter, each goes through the load balancer again (the instance that refused the
 * connection has left the rotation), and none starts that could end after the route's time budget.
 * <p>
 * Built on Spring Cloud Gateway's retry machinery, which resends cached request bodies and resets the
 * exchange between attempts; only the decision of what to retry is keel's.
 */
@Component
public class SafeRetryGatewayFilterFactory extends AbstractGatewayFilterFactory<SafeRetryGatewayFilterFactory.Config> {

	private static final Set<HttpMethod> SAFE_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

	private static final Set<Integer> RETRYABLE_STATUSES = Set.of(502, 503, 504);

	private static final String DEADLINE = SafeRetryGatewayFilterFactory.class.getName() + ".deadline";

	private final RetryGatewayFilterFactory retries;

	private final MeterRegistry meters;

	public SafeRetryGatewayFilterFactory(RetryGatewayFilterFactory retries, MeterRegistry meters) {
		super(Config.class);
		this.retries = retries;
		this.meters = meters;
	}

	@Override
	public GatewayFilter apply(Config config) {
		// Zeros up front, so that a retry-storm alert and the dashboards see every route before its first retry.
		Stream.concat(Stream.of("not-connected", "io-error", "timeout"),
				RETRYABLE_STATUSES.stream().map((status) -> "status-" + status))
			.forEach((reason) -> count(config, reason, 0));
		Backoff backoff = Backoff.exponential(config.getFirstBackoff(), config.getMaxBackoff(), 2, false);
		Jitter jitter = Jitter.random(config.getJitter());
		Retry<ServerWebExchange> onError = Retry
			.<ServerWebExchange>onlyIf((context) -> withinBudget(context.applicationContext(), config)
					&& retryable(context.applicationContext(), context.exception()))
			.retryMax(config.getRetries())
			.backoff(backoff)
			.jitter(jitter)
			.doOnRetry((context) -> {
				count(config, reason(context.exception()), 1);
				ServerWebExchangeUtils.reset(context.applicationContext());
			});
		Repeat<ServerWebExchange> onAnswer = Repeat
			.<ServerWebExchange>onlyIf((context) -> withinBudget(context.applicationContext(), config)
					&& retryableAnswer(context.applicationContext()))
			.repeatMax(config.getRetries())
			.backoff(backoff)
			.jitter(jitter)
			.doOnRepeat((context) -> {
				HttpStatusCode status = context.applicationContext().getResponse().getStatusCode();
				count(config, "status-" + ((status != null) ? status.value() : 0), 1);
				ServerWebExchangeUtils.reset(context.applicationContext());
			});
		GatewayFilter retrying = this.retries.apply(config.getRouteId(), onAnswer, onError);
		return (exchange, chain) -> {
			exchange.getAttributes().put(DEADLINE, System.nanoTime() + config.getBudget().toNanos());
			return retrying.filter(exchange, chain);
		};
	}

	private static boolean retryableAnswer(ServerWebExchange exchange) {
		HttpStatusCode status = exchange.getResponse().getStatusCode();
		return status != null && RETRYABLE_STATUSES.contains(status.value()) && safeToRepeat(exchange);
	}

	static boolean retryable(ServerWebExchange exchange, Throwable failure) {
		if (neverReachedABackend(failure)) {
			return true;
		}
		return (cause(failure, IOException.class) || cause(failure, TimeoutException.class)
				|| cause(failure, java.util.concurrent.TimeoutException.class)) && safeToRepeat(exchange);
	}

	static boolean neverReachedABackend(Throwable failure) {
		return failure instanceof NotFoundException || InstanceHealth.isConnectFailure(failure);
	}

	static boolean safeToRepeat(ServerWebExchange exchange) {
		HttpMethod method = exchange.getRequest().getMethod();
		return SAFE_METHODS.contains(method) || (HttpMethod.POST.equals(method)
				&& exchange.getRequest().getHeaders().containsHeader("Idempotency-Key"));
	}

	/**
	 * A retry starts only if it can end within the route's budget, even if it takes the route's whole
	 * response timeout: the client is waiting for a timely answer.
	 */
	static boolean withinBudget(ServerWebExchange exchange, Config config) {
		Long deadline = exchange.getAttribute(DEADLINE);
		long attempt = config.getFirstBackoff().toNanos() + responseTimeout(exchange).toNanos();
		return deadline != null && System.nanoTime() + attempt <= deadline;
	}

	private static Duration responseTimeout(ServerWebExchange exchange) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		Object timeout = (route != null) ? route.getMetadata().get(RESPONSE_TIMEOUT_ATTR) : null;
		return (timeout != null) ? Duration.ofMillis(Long.parseLong(timeout.toString())) : Duration.ZERO;
	}

	private static String reason(Throwable failure) {
		if (neverReachedABackend(failure)) {
			return "not-connected";
		}
		return (cause(failure, IOException.class)) ? "io-error" : "timeout";
	}

	private void count(Config config, String reason, int retries) {
		this.meters.counter("keel.gateway.retries", "route", String.valueOf(config.getRouteId()), "reason", reason)
			.increment(retries);
	}

	private static boolean cause(Throwable failure, Class<? extends Throwable> type) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (type.isInstance(current)) {
				return true;
			}
		}
		return false;
	}

	/** Per route: how often, how fast and for how long to retry. */
	public static class Config extends RouteConfig {

		private int retries = 2;

		private Duration firstBackoff = Duration.ofMillis(50);

		private Duration maxBackoff = Duration.ofMillis(500);

		private double jitter = 0.5;

		private Duration budget = Duration.ofSeconds(5);

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

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

		public Duration getBudget() {
			return this.budget;
		}

		public void setBudget(Duration budget) {
			this.budget = budget;
		}

	}

}
