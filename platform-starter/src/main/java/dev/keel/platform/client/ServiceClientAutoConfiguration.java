package dev.keel.platform.client;

import java.time.Clock;
import java.util.Optional;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;

import dev.keel.platform.config.LiveProperties;
import dev.keel.platform.discovery.InstanceHealth;

/**
 * {@link ServiceClients} for calls between services.
 */
@AutoConfiguration(after = RestClientAutoConfiguration.class,
		afterName = { "org.springframework.cloud.loadbalancer.config.BlockingLoadBalancerClientAutoConfiguration",
				"io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration",
				"io.github.resilience4j.springboot.bulkhead.autoconfigure.BulkheadAutoConfiguration",
				"io.github.resilience4j.springboot.retry.autoconfigure.RetryAutoConfiguration" })
@ConditionalOnClass(RestClient.class)
@ConditionalOnBean(LoadBalancerClient.class)
@EnableConfigurationProperties(ClientCredentialsProperties.class)
public class ServiceClientAutoConfiguration {

	@Bean
	ServiceClients serviceClients(RestClient.Builder template, LoadBalancerClient loadBalancer, InstanceHealth health,
			CircuitBreakerRegistry circuitBreakers, BulkheadRegistry bulkheads, RetryRegistry retries,
			LiveProperties live, ObjectProvider<ServiceToken> token) {
		return new ServiceClients(template, loadBalancer, health, circuitBreakers, bulkheads, retries, live,
				Optional.ofNullable(token.getIfAvailable()));
	}

	/** A service that calls others has an identity of its own at the issuer: {@code keel.client-credentials}. */
	@Bean
	@ConditionalOnProperty("keel.client-credentials.client-id")
	ServiceToken serviceToken(ClientCredentialsProperties properties, MeterRegistry meters) {
		return new ServiceToken(properties, meters, Clock.systemUTC());
	}

	@Bean
	@ConditionalOnProperty("keel.client-credentials.client-id")
	FirstServiceToken firstServiceToken(ServiceToken token) {
		return new FirstServiceToken(token);
	}

}
