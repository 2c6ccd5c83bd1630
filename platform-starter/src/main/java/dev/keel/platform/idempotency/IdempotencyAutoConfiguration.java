package dev.keel.platform.idempotency;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Idempotency keys for services that turn them on ({@code keel.idempotency.enabled=true}), with a scheduled
 * cleanup of expired keys.
 */
@AutoConfiguration(after = JdbcTemplateAutoConfiguration.class)
@ConditionalOnProperty(name = "keel.idempotency.enabled", havingValue = "true")
@ConditionalOnBean(JdbcTemplate.class)
@EnableConfigurationProperties(IdempotencyProperties.class)
@EnableScheduling
public class IdempotencyAutoConfiguration {

	@Bean
	IdempotencyStore idempotencyStore(JdbcTemplate jdbc, IdempotencyProperties properties) {
		return new IdempotencyStore(jdbc, properties);
	}

	@Bean
	ExpiredKeyCleanup expiredIdempotencyKeyCleanup(IdempotencyStore store) {
		return new ExpiredKeyCleanup(store);
	}

	static class ExpiredKeyCleanup {

		private static final Logger log = LoggerFactory.getLogger(ExpiredKeyCleanup.class);

		private final IdempotencyStore store;

		ExpiredKeyCleanup(IdempotencyStore store) {
			this.store = store;
		}

		@Scheduled(fixedDelayString = "${keel.idempotency.cleanup-interval:10m}",
				initialDelayString = "${keel.idempotency.cleanup-interval:10m}")
		void deleteExpired() {
			try {
				int deleted = this.store.deleteExpired();
				if (deleted > 0) {
					log.info("Deleted {} expired idempotency keys", deleted);
				}
			}
			catch (RuntimeException ex) {
				// Another instance may be deleting the same rows; whatever is left goes next time.
				log.warn("Cleanup of expired idempotency keys failed: {}", ex.getMessage());
			}
		}

	}

}
