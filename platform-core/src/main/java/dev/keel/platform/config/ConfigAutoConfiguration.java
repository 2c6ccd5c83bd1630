package dev.keel.platform.config;

import java.time.Duration;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.config.client.ConfigClientAutoConfiguration;
import org.springframework.cloud.config.client.ConfigClientProperties;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
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
		ConfigWatcher configWatcher(ConfigClientProperties client, ContextRefresher refresher,
				ConfigurableEnvironment environment) {
			Duration interval = environment.getProperty("keel.config.watch.interval", Duration.class,
					Duration.ofSeconds(2));
			return new ConfigWatcher(client, refresher, environment, interval);
		}

		/**
		 * {@code keel_config_pending}: 1 while config-server serves a configuration this process has not
		 * applied, so that an alert sees a commit that never arrives (a refresh that keeps failing).
		 */
		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(MeterBinder.class)
		static class PendingMetric {

			@Bean
			MeterBinder configPendingGauge(ConfigWatcher watcher) {
				return (registry) -> Gauge.builder("keel.config.pending", watcher, (w) -> w.isPending() ? 1 : 0)
					.description("1 while config-server serves configuration that this process has not applied")
					.register(registry);
			}

		}

	}

}
