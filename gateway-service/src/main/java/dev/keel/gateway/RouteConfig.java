package dev.keel.gateway;

import org.springframework.cloud.gateway.support.HasRouteId;

/**
 * Settings of a filter that acts per route: Spring Cloud Gateway fills in the route id, after which keel's
 * circuit breakers, rate limits and metrics are named.
 */
public abstract class RouteConfig implements HasRouteId {

	private String routeId;

	@Override
	public void setRouteId(String routeId) {
		this.routeId = routeId;
	}

	@Override
	public String getRouteId() {
		return this.routeId;
	}

}
