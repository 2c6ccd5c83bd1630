package dev.keel.platform.discovery;

import java.util.List;

import reactor.core.publisher.Flux;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.DelegatingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * Narrows what discovery lists to the instances {@link InstanceHealth} admits.
 */
class HealthAwareInstanceListSupplier extends DelegatingServiceInstanceListSupplier {

	private final InstanceHealth health;

	HealthAwareInstanceListSupplier(ServiceInstanceListSupplier delegate, InstanceHealth health) {
		super(delegate);
		this.health = health;
	}

	@Override
	public Flux<List<ServiceInstance>> get() {
		return getDelegate().get().map(this.health::admitted);
	}

}
