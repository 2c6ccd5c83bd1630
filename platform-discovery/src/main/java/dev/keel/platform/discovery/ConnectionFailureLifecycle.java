package dev.keel.platform.discovery;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;

/**
 * Tells {@link InstanceHealth} about failed requests, as load-balanced clients report them (the gateway
 * does): a refused connection evicts the instance, another failure has it probed at once.
 */
class ConnectionFailureLifecycle implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {

	private final InstanceHealth health;

	ConnectionFailureLifecycle(InstanceHealth health) {
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
		if (completion.status() != CompletionContext.Status.FAILED || chosen == null || !chosen.hasServer()) {
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
