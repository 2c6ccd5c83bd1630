package dev.keel.platform.discovery;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LoadBalancerMetricsTests {

	@Test
	void loadBalancerMetricsLoseTheirPathOthersKeepIt() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		registry.config().meterFilter(new DiscoveryAutoConfiguration.LoadBalancerMetrics().loadBalancerMetricsWithoutPaths());

		for (long id = 1; id <= 3; id++) {
			registry.counter("loadbalancer.requests.success", "uri", "/api/v1/users/" + id, "serviceInstance.port", "8081")
				.increment();
		}
		registry.counter("http.server.requests", "uri", "/api/v1/users/{id}").increment();

		assertThat(registry.find("loadbalancer.requests.success").counters()).singleElement()
			.satisfies((counter) -> {
				assertThat(counter.count()).isEqualTo(3);
				assertThat(counter.getId().getTag("uri")).isNull();
				assertThat(counter.getId().getTag("serviceInstance.port")).isEqualTo("8081");
			});
		assertThat(registry.get("http.server.requests").counter().getId().getTag("uri")).isEqualTo("/api/v1/users/{id}");
	}

}
