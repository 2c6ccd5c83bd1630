package dev.keel.platform.client;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
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
public class ServiceClientAutoConfiguration {

	@Bean
	ServiceClients serviceClients(RestClient.Builder template, LoadBalancerClient loadBalancer, InstanceHealth health,
			CircuitBreakerRegistry circuitBreakers, BulkheadRegistry bulkheads, RetryRegistry retries,
			LiveProperties live) {
		return new ServiceClients(template, loadBalancer, health, circuitBreakers, bulkheads, retries, live);
	}

}
