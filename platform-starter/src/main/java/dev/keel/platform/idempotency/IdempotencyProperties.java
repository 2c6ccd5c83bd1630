package dev.keel.platform.idempotency;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Idempotency keys of a service.
 *
 * @param enabled whether the service stores keys (it then needs the {@code idempotency_keys} table)
 * @param required whether requests to endpoints that take a key must carry one
 * @param ttl how long a key is remembered
 * @param cleanupInterval how often expired keys are deleted
 * @param cleanupBatchSize rows deleted per statement, so that cleanup never holds many locks at once
 */
@ConfigurationProperties("keel.idempotency")
public record IdempotencyProperties(@DefaultValue("false") boolean enabled, @DefaultValue("false") boolean required,
		@DefaultValue("24h") Duration ttl, @DefaultValue("10m") Duration cleanupInterval,
		@DefaultValue("500") int cleanupBatchSize) {
}
