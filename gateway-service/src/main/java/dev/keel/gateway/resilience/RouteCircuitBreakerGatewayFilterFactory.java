package dev.keel.gateway.resilience;

import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import dev.keel.gateway.RouteConfig;
import dev.keel.platform.discovery.InstanceHealth;

/**
 * A Resilience4j circuit breaker per route ({@code resilience4j.circuitbreaker.instances.<route>}), around
 * everything else the route does, retries included: one client request is one call. Failures are errors
 * (nothing reachable, timeouts) and 500/502/503/504 answers; 4xx answers are the client's and count as
 * successes. While open, requests fail at once with {@link RouteCircuitOpen}; after the open wait it lets
 * a few probe requests through (half-open) and closes again when they succeed.
 * <p>
 * It opens when the service fails, not when one instance does: while closed, an instance's failure (an error,
 * a timeout, 500, 502, 504) on the last attempt is not counted if that instance has a healthy peer
 * ({@link InstanceHealth#hasHealthyPeer}). That instance is the load balancer's to eject; counting it would let
 * one slow or broken instance of many refuse the route's every request, those its healthy peers would have
 * served included. A 503 (the service refusing on purpose, for a cause its instances share), no instance
 * admitted, or failures on every instance count.
 * <p>
 * Spring Cloud Gateway's own CircuitBreaker filter cannot count 5xx answers without either replacing them
 * with an error or turning every other error into an empty 200 ({@code resumeWithoutError}), hence this one.
 */
@Component
public class RouteCircuitBreakerGatewayFilterFactory
		extends AbstractGatewayFilterFactory<RouteCircuitBreakerGatewayFilterFactory.Config> {

	private final CircuitBreakerRegistry circuitBreakers;

	private final InstanceHealth health;

	public RouteCircuitBreakerGatewayFilterFactory(CircuitBreakerRegistry circuitBreakers, InstanceHealth health) {
		super(Config.class);
		this.circuitBreakers = circuitBreakers;
		this.health = health;
	}

	@Override
	public GatewayFilter apply(Config config) {
		CircuitBreaker breaker = this.circuitBreakers.circuitBreaker(config.getRouteId());
		long retryAfter = Math.max(1,
				TimeUnit.MILLISECONDS.toSeconds(breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1) + 999));
		return (exchange, chain) -> {
			if (!breaker.tryAcquirePermission()) {
				return Mono.error(new RouteCircuitOpen(config.getRouteId(), retryAfter));
			}
			long start = breaker.getCurrentTimestamp();
			return chain.filter(exchange).doOnSuccess((done) -> {
				HttpStatusCode status = exchange.getResponse().getStatusCode();
				long elapsed = breaker.getCurrentTimestamp() - start;
				if (status != null && isFailure(status.value())) {
					if (InstanceHealth.isInstanceFailure(status.value()) && oneInstancesFailure(breaker, exchange)) {
						breaker.releasePermission();
					}
					else {
						breaker.onError(elapsed, breaker.getTimestampUnit(), new FailedAnswer(status.value()));
					}
				}
				else {
					breaker.onSuccess(elapsed, breaker.getTimestampUnit());
				}
			})
				.doOnError((failure) -> {
					if (isClientError(failure)
							|| (!(failure instanceof NotFoundException) && oneInstancesFailure(breaker, exchange))) {
						// The client's mistake found on the way (a body over the limit), or one instance's: says
						// nothing of the service.
						breaker.releasePermission();
					}
					else {
						breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), failure);
					}
				})
				.doOnCancel(breaker::releasePermission);
		};
	}

	/** While closed, a failure on an instance with a healthy peer; half-open, every probe's outcome counts. */
	private boolean oneInstancesFailure(CircuitBreaker breaker, ServerWebExchange exchange) {
		Response<ServiceInstance> last = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		return breaker.getState() == CircuitBreaker.State.CLOSED && last != null && last.hasServer()
				&& this.health.hasHealthyPeer(last.getServer());
	}

	static boolean isClientError(Throwable failure) {
		return failure instanceof ResponseStatusException status && status.getStatusCode().is4xxClientError();
	}

	static boolean isFailure(int status) {
		return status == 500 || status == 502 || status == 503 || status == 504;
	}

	public static class Config extends RouteConfig {
	}

	/** Recorded as the failure of a call that got a 5xx answer. */
	private static final class FailedAnswer extends RuntimeException {

		FailedAnswer(int status) {
			super("answered " + status, null, false, false);
		}

	}

}
