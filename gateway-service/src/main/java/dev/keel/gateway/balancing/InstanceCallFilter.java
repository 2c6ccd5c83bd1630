package dev.keel.gateway.balancing;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.keel.platform.discovery.InstanceHealth;

/**
 * Reports each attempt the gateway sends to an instance to {@link InstanceHealth}, from the moment the load
 * balancer chose it to its answer, error or cancellation: what the least-loaded balancer weighs (outstanding
 * requests, latency) and what ejects an instance. Runs right after the load balancer, once per attempt, retries
 * included. A filter rather than a {@code LoadBalancerLifecycle}, so that every way an attempt ends, a client
 * going away included, is seen in one place and no request stays counted as outstanding.
 */
@Component
class InstanceCallFilter implements GlobalFilter, Ordered {

	private final InstanceHealth health;

	InstanceCallFilter(InstanceHealth health) {
		this.health = health;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Response<ServiceInstance> chosen = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		if (chosen == null || !chosen.hasServer()) {
			return chain.filter(exchange);
		}
		InstanceHealth.Call call = this.health.started(chosen.getServer());
		// doOn* rather than doFinally: they run before the outcome reaches the filters around this one, which
		// (the route's circuit breaker) judge the failure by what the instance's record says.
		return chain.filter(exchange).doOnSuccess((done) -> {
			HttpStatusCode status = exchange.getResponse().getStatusCode();
			call.answered((status != null) ? status.value() : 200);
		}).doOnError(call::failed).doOnCancel(call::abandoned);
	}

	@Override
	public int getOrder() {
		return ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER + 1;
	}

}
