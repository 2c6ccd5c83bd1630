package dev.keel.platform.config;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class LivePropertiesTests {

	private final MockEnvironment environment = new MockEnvironment().withProperty("limits.max-lines", "50")
		.withProperty("limits.timeout", "2s");

	private final LiveProperties live = new LiveProperties(this.environment);

	@Test
	void followsARefreshAndOnlyARefresh() {
		LiveProperties.Live<Limits> limits = this.live.bind("limits", Limits.class);
		assertThat(limits.get()).isEqualTo(new Limits(50, Duration.ofSeconds(2)));

		this.environment.setProperty("limits.max-lines", "3");
		assertThat(limits.get().maxLines()).as("not before the refresh event").isEqualTo(50);

		this.live.onApplicationEvent(new EnvironmentChangeEvent(Set.of("limits.max-lines")));
		assertThat(limits.get()).isEqualTo(new Limits(3, Duration.ofSeconds(2)));
	}

	@Test
	void keepsTheLastGoodValueWhenTheNewOneDoesNotBind() {
		LiveProperties.Live<Limits> limits = this.live.bind("limits", Limits.class);

		this.environment.setProperty("limits.timeout", "soon");
		this.live.onApplicationEvent(new EnvironmentChangeEvent(Set.of("limits.timeout")));

		assertThat(limits.get()).isEqualTo(new Limits(50, Duration.ofSeconds(2)));
	}

	@Test
	void usesDefaultsForWhatIsNotConfigured() {
		assertThat(this.live.bind("absent", Limits.class).get()).isEqualTo(new Limits(10, Duration.ofSeconds(1)));
	}

	record Limits(@DefaultValue("10") int maxLines, @DefaultValue("1s") Duration timeout) {
	}

}
