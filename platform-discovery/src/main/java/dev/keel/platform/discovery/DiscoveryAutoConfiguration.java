package dev.keel.platform.discovery;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.serviceregistry.AbstractAutoServiceRegistration;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Load balancing with fast eviction and readiness-gated admission for every service this process calls,
 * and a shutdown that leaves discovery first.
 */
@AutoConfiguration
@EnableConfigurationProperties(DiscoveryProperties.class)
@LoadBalancerClients(defaultConfiguration = KeelLoadBalancerConfiguration.class)
public class DiscoveryAutoConfiguration {

	@Bean
	InstanceHealth instanceHealth(DiscoveryProperties properties) {
		return new InstanceHealth(properties);
	}

	@Bean
	GracefulShutdown gracefulShutdown(ApplicationContext context,
			ObjectProvider<AbstractAutoServiceRegistration<?>> registrations, DiscoveryProperties properties) {
		return new GracefulShutdown(context, registrations, properties);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterFilter.class)
	static class LoadBalancerMetrics {

		/**
		 * Spring Cloud LoadBalancer tags its per-instance request metrics with the request path: one time
		 * series per user id in {@code /api/v1/users/{id}}, unbounded. The instance is what they are for.
		 */
		@Bean
		MeterFilter loadBalancerMetricsWithoutPaths() {
			return new MeterFilter() {
				@Override
				public Meter.Id map(Meter.Id id) {
					if (!id.getName().startsWith("loadbalancer.requests") || id.getTag("uri") == null) {
						return id;
					}
					return id.replaceTags(id.getTags().stream().filter((tag) -> !tag.getKey().equals("uri")).toList());
				}
			};
		}

	}

}
