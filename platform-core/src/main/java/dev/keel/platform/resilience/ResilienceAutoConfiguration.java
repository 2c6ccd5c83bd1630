package dev.keel.platform.resilience;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.common.CompositeCustomizer;
import io.github.resilience4j.common.bulkhead.configuration.BulkheadConfigCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerProperties;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Circuit breakers and bulkheads that keep their state across configuration refreshes unless their own settings
 * changed ({@link ResilienceRefresh}).
 */
@AutoConfiguration
@ConditionalOnClass({ CircuitBreakerProperties.class, EnvironmentChangeEvent.class })
public class ResilienceAutoConfiguration {

	@Bean
	ResilienceRefresh resilienceRefresh(Environment environment, ObjectProvider<CircuitBreakerRegistry> circuitBreakers,
			ObjectProvider<CompositeCustomizer<CircuitBreakerConfigCustomizer>> circuitBreakerCustomizer,
			ObjectProvider<BulkheadRegistry> bulkheads,
			ObjectProvider<CompositeCustomizer<BulkheadConfigCustomizer>> bulkheadCustomizer) {
		return new ResilienceRefresh(environment, circuitBreakers, circuitBreakerCustomizer, bulkheads,
				bulkheadCustomizer);
	}

}
