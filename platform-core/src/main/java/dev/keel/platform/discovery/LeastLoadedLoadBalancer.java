package dev.keel.platform.discovery;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.NoopServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.WeightFunction;

/**
 * Power of two choices: of two instances drawn at random, the one whose next request costs less
 * ({@link InstanceHealth#cost}: latency times outstanding requests, over weight and slow-start share).
 * Two random draws rather than the cheapest of all, so that with many instances the balancers of many callers
 * acting on the same view do not all pile onto the same one (with two instances it is the cheaper of both); the
 * cost rather than round robin, so that an instance that slows down (a cold JIT, a starved CPU, a pause) gets
 * fewer requests at once, not after its requests fail. Spring Cloud LoadBalancer ships round robin and random
 * only: hence this one.
 */
class LeastLoadedLoadBalancer implements ReactorServiceInstanceLoadBalancer {

	private final ObjectProvider<ServiceInstanceListSupplier> suppliers;

	private final InstanceHealth health;

	private final WeightFunction weights;

	LeastLoadedLoadBalancer(ObjectProvider<ServiceInstanceListSupplier> suppliers, InstanceHealth health,
			WeightFunction weights) {
		this.suppliers = suppliers;
		this.health = health;
		this.weights = weights;
	}

	@Override
	@SuppressWarnings("rawtypes")
	public Mono<Response<ServiceInstance>> choose(Request request) {
		ServiceInstanceListSupplier supplier = this.suppliers.getIfAvailable(NoopServiceInstanceListSupplier::new);
		return supplier.get(request).next().map((instances) -> choose(untried(instances, request)));
	}

	/** The instances the request has not been sent to yet, or all of them if it has tried each. */
	static List<ServiceInstance> untried(List<ServiceInstance> instances, Request<?> request) {
		if (!(request.getContext() instanceof RequestDataContext context) || context.getClientRequest() == null
				|| context.getClientRequest().getAttributes() == null) {
			return instances;
		}
		Map<String, Object> attributes = context.getClientRequest().getAttributes();
		List<ServiceInstance> untried = instances.stream()
			.filter((instance) -> !InstanceHealth.wasTried(attributes, instance))
			.toList();
		return untried.isEmpty() ? instances : untried;
	}

	Response<ServiceInstance> choose(List<ServiceInstance> instances) {
		if (instances.isEmpty()) {
			return new EmptyResponse();
		}
		if (instances.size() == 1) {
			return new DefaultResponse(instances.get(0));
		}
		ThreadLocalRandom random = ThreadLocalRandom.current();
		int first = random.nextInt(instances.size());
		int second = random.nextInt(instances.size() - 1);
		if (second >= first) {
			second++;
		}
		ServiceInstance a = instances.get(first);
		ServiceInstance b = instances.get(second);
		return new DefaultResponse((cost(a) <= cost(b)) ? a : b);
	}

	private double cost(ServiceInstance instance) {
		return this.health.cost(instance, this.weights.apply(instance));
	}

}
