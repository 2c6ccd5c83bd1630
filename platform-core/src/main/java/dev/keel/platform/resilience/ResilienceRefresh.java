package dev.keel.platform.resilience;

import java.util.Set;
import java.util.function.Predicate;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.common.CompositeCustomizer;
import io.github.resilience4j.common.bulkhead.configuration.BulkheadConfigCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.springboot.bulkhead.autoconfigure.BulkheadProperties;
import io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * Applies a configuration refresh to Resilience4j's circuit breakers and bulkheads without resetting the ones it
 * does not concern. Resilience4j's own refresh support rebuilds every registry on every refresh, so that any
 * commit to config-repo closed every open circuit breaker and let the flood in again; keel keeps the registries
 * ({@link RefreshScopedRegistriesFilter}) and replaces only the instances whose settings changed: those under
 * {@code instances.<name>}, or every instance when a shared {@code configs.*} entry changed. An instance that
 * is replaced starts afresh (closed, empty window): Resilience4j cannot carry state over to other settings.
 */
class ResilienceRefresh implements ApplicationListener<EnvironmentChangeEvent> {

	private static final Logger log = LoggerFactory.getLogger(ResilienceRefresh.class);

	static final String CIRCUIT_BREAKERS = "resilience4j.circuitbreaker";

	static final String BULKHEADS = "resilience4j.bulkhead";

	private final Environment environment;

	private final ObjectProvider<CircuitBreakerRegistry> circuitBreakers;

	private final ObjectProvider<CompositeCustomizer<CircuitBreakerConfigCustomizer>> circuitBreakerCustomizer;

	private final ObjectProvider<BulkheadRegistry> bulkheads;

	private final ObjectProvider<CompositeCustomizer<BulkheadConfigCustomizer>> bulkheadCustomizer;

	ResilienceRefresh(Environment environment, ObjectProvider<CircuitBreakerRegistry> circuitBreakers,
			ObjectProvider<CompositeCustomizer<CircuitBreakerConfigCustomizer>> circuitBreakerCustomizer,
			ObjectProvider<BulkheadRegistry> bulkheads,
			ObjectProvider<CompositeCustomizer<BulkheadConfigCustomizer>> bulkheadCustomizer) {
		this.environment = environment;
		this.circuitBreakers = circuitBreakers;
		this.circuitBreakerCustomizer = circuitBreakerCustomizer;
		this.bulkheads = bulkheads;
		this.bulkheadCustomizer = bulkheadCustomizer;
	}

	@Override
	public void onApplicationEvent(EnvironmentChangeEvent event) {
		Set<String> keys = event.getKeys();
		this.circuitBreakers.ifAvailable((registry) -> refreshCircuitBreakers(registry, keys));
		this.bulkheads.ifAvailable((registry) -> refreshBulkheads(registry, keys));
	}

	private void refreshCircuitBreakers(CircuitBreakerRegistry registry, Set<String> keys) {
		Predicate<String> changed = changedInstances(CIRCUIT_BREAKERS, keys);
		if (changed == null) {
			return;
		}
		// Bound afresh: whether Spring Cloud has rebound its own properties bean by now is not ours to know.
		CircuitBreakerProperties properties = Binder.get(this.environment)
			.bindOrCreate(CIRCUIT_BREAKERS, CircuitBreakerProperties.class);
		CompositeCustomizer<CircuitBreakerConfigCustomizer> customizer = this.circuitBreakerCustomizer
			.getIfAvailable(() -> new CompositeCustomizer<>(null));
		for (CircuitBreaker breaker : registry.getAllCircuitBreakers()) {
			String name = breaker.getName();
			if (changed.test(name)) {
				CircuitBreakerConfig config = properties.createCircuitBreakerConfig(name,
						properties.getInstances().get(name), customizer);
				registry.replace(name, CircuitBreaker.of(name, config, breaker.getTags()));
				log.info("Circuit breaker {} rebuilt with its new settings", name);
			}
		}
	}

	private void refreshBulkheads(BulkheadRegistry registry, Set<String> keys) {
		Predicate<String> changed = changedInstances(BULKHEADS, keys);
		if (changed == null) {
			return;
		}
		BulkheadProperties properties = Binder.get(this.environment).bindOrCreate(BULKHEADS, BulkheadProperties.class);
		CompositeCustomizer<BulkheadConfigCustomizer> customizer = this.bulkheadCustomizer
			.getIfAvailable(() -> new CompositeCustomizer<>(null));
		for (Bulkhead bulkhead : registry.getAllBulkheads()) {
			String name = bulkhead.getName();
			if (changed.test(name)) {
				BulkheadConfig config = properties.createBulkheadConfig(properties.getInstances().get(name), customizer,
						name);
				registry.replace(name, Bulkhead.of(name, config, bulkhead.getTags()));
				log.info("Bulkhead {} rebuilt with its new settings", name);
			}
		}
	}

	/**
	 * Which instances a refresh concerns: every one when a shared configuration changed, else those whose own
	 * settings did; {@code null} when none.
	 */
	static Predicate<String> changedInstances(String prefix, Set<String> keys) {
		if (keys.stream().anyMatch((key) -> key.startsWith(prefix + ".configs."))) {
			return (name) -> true;
		}
		if (keys.stream().noneMatch((key) -> key.startsWith(prefix + ".instances."))) {
			return null;
		}
		return (name) -> keys.stream().anyMatch((key) -> key.startsWith(prefix + ".instances." + name + "."));
	}

}
