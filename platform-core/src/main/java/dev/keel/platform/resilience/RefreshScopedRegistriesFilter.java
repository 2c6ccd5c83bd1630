package dev.keel.platform.resilience;

import java.util.Set;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;

/**
 * Keeps Resilience4j's registries for the life of the process: the auto-configurations that make them
 * refresh-scoped (rebuilt, with every circuit breaker closed, on each configuration refresh) are left out, and
 * Resilience4j's plain ones create them instead. {@link ResilienceRefresh} applies refreshes instance by
 * instance. Resilience4j has no setting for this, hence a filter rather than a property every process would need.
 */
public class RefreshScopedRegistriesFilter implements AutoConfigurationImportFilter {

	static final Set<String> REFRESH_SCOPED = Set.of(
			"io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerRefreshScopedRegistryAutoConfiguration",
			"io.github.resilience4j.springboot.bulkhead.autoconfigure.BulkheadRefreshScopedRegistryAutoConfiguration",
			"io.github.resilience4j.springboot.retry.autoconfigure.RetryRefreshScopedRegistryAutoConfiguration");

	@Override
	public boolean[] match(String[] autoConfigurationClasses, AutoConfigurationMetadata metadata) {
		boolean[] matches = new boolean[autoConfigurationClasses.length];
		for (int i = 0; i < autoConfigurationClasses.length; i++) {
			// Null: already left out by another filter.
			String candidate = autoConfigurationClasses[i];
			matches[i] = candidate == null || !REFRESH_SCOPED.contains(candidate);
		}
		return matches;
	}

}
