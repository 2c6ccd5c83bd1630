package dev.keel.platform.security;

import java.util.List;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

/**
 * The key ids a verifier knows, as it last fetched the issuer's key set: gauge {@code keel.security.jwks.keys}, one
 * series per {@code kid} (value 1). Rotating the signing key waits until every verifier shows the next key before
 * signing with it, so that no token is refused for a key a verifier has not fetched yet. Key ids are few, so they
 * make a tag.
 */
public final class KnownKeys {

	private final MultiGauge gauge;

	public KnownKeys(MeterRegistry meters) {
		this.gauge = MultiGauge.builder("keel.security.jwks.keys")
			.description("Keys of the issuer this verifier knows, by kid, as last fetched")
			.register(meters);
	}

	public void fetched(JWKSet keys) {
		List<MultiGauge.Row<?>> rows = keys.getKeys()
			.stream()
			.map(JWK::getKeyID)
			.filter((kid) -> kid != null)
			.distinct()
			.<MultiGauge.Row<?>>map((kid) -> MultiGauge.Row.of(Tags.of("kid", kid), 1))
			.toList();
		// Kept rows stay registered (a scrape never misses them); rows no longer listed are removed.
		this.gauge.register(rows, false);
	}

}
