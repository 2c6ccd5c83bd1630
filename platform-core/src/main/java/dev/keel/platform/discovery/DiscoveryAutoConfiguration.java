package dev.keel.platform.discovery;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.serviceregistry.AbstractAutoServiceRegistration;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Least-loaded load balancing with fast eviction, outlier ejection, slow start and readiness-gated admission for
 * every service this process calls,
 * and a shutdown that leaves discovery first.
 */
@AutoConfiguration
@EnableConfigurationProperties({ DiscoveryProperties.class, LoadBalancingProperties.class })
@LoadBalancerClients(defaultConfiguration = KeelLoadBalancerConfiguration.class)
public class DiscoveryAutoConfiguration {

	@Bean
	InstanceHealth instanceHealth(DiscoveryProperties properties, LoadBalancingProperties balancing,
			ObjectProvider<MeterRegistry> meters) {
		return new InstanceHealth(properties, balancing, meters.getIfAvailable());
	}

	@Bean
	GracefulShutdown gracefulShutdown(ApplicationContext context,
			ObjectProvider<AbstractAutoServiceRegistration<?>> registrations, DiscoveryProperties properties) {
		return new GracefulShutdown(context, registrations, properties);
	}

	/** nacos mode's start-up: the namespace checked, the called services subscribed to (see NacosStartup). */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "com.alibaba.cloud.nacos.NacosDiscoveryProperties")
	@ConditionalOnProperty(name = "spring.cloud.nacos.discovery.enabled", matchIfMissing = true)
	static class NacosStartupConfiguration {

		@Bean
		NacosStartup nacosStartup(Environment environment, ObjectProvider<DiscoveryClient> discovery) {
			return new NacosStartup(environment, discovery);
		}

	}

	/**
	 * Readiness as a metric ({@code keel_readiness}: 1 accepting traffic, 0 refusing), so that alerts can see
	 * an instance flapping between the two.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class ReadinessMetricConfiguration {

		@Bean
		MeterBinder readinessGauge(ApplicationAvailability availability) {
			return (registry) -> Gauge
				.builder("keel.readiness", availability,
						(state) -> (state.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC) ? 1 : 0)
				.description("1 while the instance accepts traffic, 0 while it refuses it")
				.register(registry);
		}

	}

}
