package dev.keel.platform.discovery;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.serviceregistry.AbstractAutoServiceRegistration;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

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

}
