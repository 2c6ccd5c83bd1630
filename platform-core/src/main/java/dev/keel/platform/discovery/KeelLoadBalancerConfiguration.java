package dev.keel.platform.discovery;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplierBuilder;
import org.springframework.cloud.loadbalancer.core.WeightFunction;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The load balancer of every load-balanced client (one child context per called service). Its instance list
 * comes straight from discovery on each request (no cache; in nacos mode the Nacos client keeps it current
 * from server pushes), narrowed to the instances {@link InstanceHealth} admits, then to those in the caller's
 * zone ({@code spring.cloud.loadbalancer.zone} against the instances' {@code zone} metadata) if any is. The
 * balancer over it is {@link LeastLoadedLoadBalancer}, or Spring Cloud's round robin over the same list
 * repeated by weight ({@code keel.loadbalancer.algorithm}).
 */
@Configuration(proxyBeanMethods = false)
public class KeelLoadBalancerConfiguration {

	/** Nacos publishes an instance's weight (a float, default 1.0) as this metadata entry. */
	static final String NACOS_WEIGHT = "nacos.weight";

	@Bean
	@ConditionalOnMissingBean
	ReactorLoadBalancer<ServiceInstance> keelLoadBalancer(Environment environment, LoadBalancerClientFactory factory,
			InstanceHealth health, LoadBalancingProperties balancing) {
		String service = environment.getProperty(LoadBalancerClientFactory.PROPERTY_NAME);
		var suppliers = factory.getLazyProvider(service, ServiceInstanceListSupplier.class);
		return roundRobin(balancing) ? new RoundRobinLoadBalancer(suppliers, service)
				: new LeastLoadedLoadBalancer(suppliers, health, nacosWeight());
	}

	@Bean
	@ConditionalOnBean(ReactiveDiscoveryClient.class)
	ServiceInstanceListSupplier reactiveInstanceListSupplier(ConfigurableApplicationContext context,
			InstanceHealth health, LoadBalancingProperties balancing) {
		return admitted(ServiceInstanceListSupplier.builder().withDiscoveryClient(), health, balancing).build(context);
	}

	@Bean
	@ConditionalOnMissingBean(ReactiveDiscoveryClient.class)
	ServiceInstanceListSupplier blockingInstanceListSupplier(ConfigurableApplicationContext context,
			InstanceHealth health, LoadBalancingProperties balancing) {
		return admitted(ServiceInstanceListSupplier.builder().withBlockingDiscoveryClient(), health, balancing)
			.build(context);
	}

	private static ServiceInstanceListSupplierBuilder admitted(ServiceInstanceListSupplierBuilder discovered,
			InstanceHealth health, LoadBalancingProperties balancing) {
		ServiceInstanceListSupplierBuilder builder = discovered
			.with((ctx, delegate) -> new HealthAwareInstanceListSupplier(delegate, health))
			.withZonePreference();
		// The least-loaded balancer weighs instances itself; round robin needs them repeated by weight.
		return roundRobin(balancing) ? builder.withWeighted(nacosWeight()) : builder;
	}

	private static boolean roundRobin(LoadBalancingProperties balancing) {
		return balancing.algorithm() == LoadBalancingProperties.Algorithm.ROUND_ROBIN;
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
