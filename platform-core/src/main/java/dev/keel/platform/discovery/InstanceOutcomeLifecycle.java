package dev.keel.platform.discovery;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;

/**
 * Learns from the outcome of every load-balanced request, as clients report them (the gateway does): a
 * refused connection evicts the instance, another failure has it probed at once, and each outcome is
 * counted per instance ({@code keel.loadbalancer.requests}, kept by {@link InstanceHealth} for as long as the
 * instance exists).
 * <p>
 * Spring Cloud's own per-instance metrics ({@code spring.cloud.loadbalancer.stats.micrometer}) are not
 * used: they tag each request with its path, one time series per id, and fail with a
 * NullPointerException when no instance is available, turning a 503 into a 500.
 */
class InstanceOutcomeLifecycle implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {

	private final InstanceHealth health;

	InstanceOutcomeLifecycle(InstanceHealth health) {
		this.health = health;
	}

	@Override
	public void onStart(Request<Object> request) {
	}

	@Override
	public void onStartRequest(Request<Object> request, Response<ServiceInstance> lbResponse) {
	}

	@Override
	public void onComplete(CompletionContext<Object, ServiceInstance, Object> completion) {
		Response<ServiceInstance> chosen = completion.getLoadBalancerResponse();
		if (chosen == null || !chosen.hasServer()) {
			return;
		}
		ServiceInstance instance = chosen.getServer();
		this.health.completed(instance, completion.status().name());
		if (completion.status() != CompletionContext.Status.FAILED) {
			return;
		}
		if (InstanceHealth.isConnectFailure(completion.getThrowable())) {
			this.health.connectionFailed(chosen.getServer(), completion.getThrowable());
		}
		else {
			this.health.suspect(chosen.getServer());
		}
	}

}
