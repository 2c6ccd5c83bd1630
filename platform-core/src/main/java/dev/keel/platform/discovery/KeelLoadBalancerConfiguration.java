package dev.keel.platform.discovery;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.WeightFunction;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The instance list of every load-balanced client: straight from discovery on each request (no cache; in
 * nacos mode the Nacos client keeps it current from server pushes), narrowed to the instances
 * {@link InstanceHealth} admits, weighted by Nacos weights where there are any. The balancer over it is
 * Spring Cloud's round robin.
 */
@Configuration(proxyBeanMethods = false)
public class KeelLoadBalancerConfiguration {

	/** Nacos publishes an instance's weight (a float, default 1.0) as this metadata entry. */
	static final String NACOS_WEIGHT = "nacos.weight";

	@Bean
	@ConditionalOnBean(ReactiveDiscoveryClient.class)
	ServiceInstanceListSupplier reactiveInstanceListSupplier(ConfigurableApplicationContext context,
			InstanceHealth health) {
		return ServiceInstanceListSupplier.builder()
			.withDiscoveryClient()
			.with((ctx, delegate) -> new HealthAwareInstanceListSupplier(delegate, health))
			.withWeighted(nacosWeight())
			.build(context);
	}

	@Bean
	@ConditionalOnMissingBean(ReactiveDiscoveryClient.class)
	ServiceInstanceListSupplier blockingInstanceListSupplier(ConfigurableApplicationContext context,
			InstanceHealth health) {
		return ServiceInstanceListSupplier.builder()
			.withBlockingDiscoveryClient()
			.with((ctx, delegate) -> new HealthAwareInstanceListSupplier(delegate, health))
			.withWeighted(nacosWeight())
			.build(context);
	}

	@Bean
	InstanceOutcomeLifecycle instanceOutcomeLifecycle(InstanceHealth health) {
		return new InstanceOutcomeLifecycle(health);
	}

	/**
	 * Nacos weights as relative integer weights (0.5 and 1.0 become 5 and 10); 1 for instances without one.
	 */
	static WeightFunction nacosWeight() {
		return (instance) -> {
			String weight = instance.getMetadata().get(NACOS_WEIGHT);
			if (weight == null) {
				return 1;
			}
			try {
				return Math.max(1, Math.round(Float.parseFloat(weight) * 10));
			}
			catch (NumberFormatException ex) {
				return 1;
			}
		};
	}

}
