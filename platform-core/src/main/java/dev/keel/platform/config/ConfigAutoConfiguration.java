package dev.keel.platform.config;

import java.time.Duration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.config.client.ConfigClientAutoConfiguration;
import org.springframework.cloud.config.client.ConfigClientProperties;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Live configuration: {@link LiveProperties} always, and the {@link ConfigWatcher} when the process takes
 * its configuration from config-server ({@code keel.config.watch.interval}, default 2 s; set
 * {@code keel.config.watch.enabled=false} to reload only on restart).
 */
@AutoConfiguration(afterName = { "org.springframework.cloud.autoconfigure.RefreshAutoConfiguration" },
		after = ConfigClientAutoConfiguration.class)
public class ConfigAutoConfiguration {

	@Bean
	LiveProperties liveProperties(Environment environment) {
		return new LiveProperties(environment);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean({ ConfigClientProperties.class, ContextRefresher.class })
	@ConditionalOnProperty(name = { "spring.cloud.config.enabled", "keel.config.watch.enabled" },
			matchIfMissing = true)
	static class Watching {

		@Bean
		ConfigWatcher configWatcher(ConfigClientProperties client, ContextRefresher refresher, Environment environment) {
			Duration interval = environment.getProperty("keel.config.watch.interval", Duration.class,
					Duration.ofSeconds(2));
			return new ConfigWatcher(client, refresher, environment, interval);
		}

	}

}
