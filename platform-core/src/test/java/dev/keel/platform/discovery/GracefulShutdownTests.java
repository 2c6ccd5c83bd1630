package dev.keel.platform.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.cloud.client.serviceregistry.AbstractAutoServiceRegistration;
import org.springframework.context.support.StaticApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

class GracefulShutdownTests {

	@Test
	void refusesTrafficAndDeregistersBeforeWaitingOutThePropagationDelay() {
		List<Object> events = new ArrayList<>();
		StaticApplicationContext context = new StaticApplicationContext();
		context.addApplicationListener((AvailabilityChangeEvent<?> event) -> events.add(event.getState()));
		context.refresh();
		AbstractAutoServiceRegistration<?> registration = mock(AbstractAutoServiceRegistration.class);
		StaticListableBeanFactory beans = new StaticListableBeanFactory();
		beans.addBean("registration", registration);
		GracefulShutdown shutdown = new GracefulShutdown(context,
				provider(beans),
				new DiscoveryProperties("/", Duration.ofSeconds(1), Duration.ofSeconds(1), 3, Duration.ofSeconds(1),
						Duration.ofMillis(300)));
		shutdown.start();
		long start = System.nanoTime();

		shutdown.stop();

		assertThat(events).containsExactly(ReadinessState.REFUSING_TRAFFIC);
		verify(registration).stop();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
		assertThat(shutdown.isRunning()).isFalse();
		assertThat(shutdown.getPhase()).as("before the web server's graceful shutdown")
			.isGreaterThan(Integer.MAX_VALUE - 1024);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static ObjectProvider<AbstractAutoServiceRegistration<?>> provider(StaticListableBeanFactory beans) {
		return (ObjectProvider) beans.getBeanProvider(AbstractAutoServiceRegistration.class);
	}

}
