package dev.keel.platform.discovery;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.availability.ApplicationAvailabilityBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.support.StaticApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

class ReadinessMetricTests {

	@Test
	void followsReadinessBothWays() {
		ApplicationAvailabilityBean availability = new ApplicationAvailabilityBean();
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new DiscoveryAutoConfiguration.ReadinessMetricConfiguration().readinessGauge(availability).bindTo(registry);
		StaticApplicationContext context = new StaticApplicationContext();

		availability.onApplicationEvent(new AvailabilityChangeEvent<>(context, ReadinessState.ACCEPTING_TRAFFIC));
		assertThat(registry.get("keel.readiness").gauge().value()).isEqualTo(1);
		availability.onApplicationEvent(new AvailabilityChangeEvent<>(context, ReadinessState.REFUSING_TRAFFIC));
		assertThat(registry.get("keel.readiness").gauge().value()).isZero();
	}

}
