package dev.keel.platform.security;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

/**
 * The key ids a verifier knows, as it last fetched the issuer's key set: gauge {@code keel.security.jwks.keys}, one
 * series per {@code kid} (value 1). Rotating the signing key waits until every verifier shows the next key before
 * signing with it, so that no token is refused for a key a verifier has not fetched yet. Key ids are few, so they
 * make a tag. {@link VerifiedTokens} asks it whether a remembered token's key is still the issuer's.
 */
public final class KnownKeys {

	private final MultiGauge gauge;

	private final LongSupplier nanoTime;

	private volatile Fetched last = new Fetched(Set.of(), 0);

	public KnownKeys(MeterRegistry meters) {
		this(meters, System::nanoTime);
	}

	KnownKeys(MeterRegistry meters, LongSupplier nanoTime) {
		this.gauge = MultiGauge.builder("keel.security.jwks.keys")
			.description("Keys of the issuer this verifier knows, by kid, as last fetched")
			.register(meters);
		this.nanoTime = nanoTime;
	}

	public void fetched(JWKSet keys) {
		Set<String> fetched = keys.getKeys()
			.stream()
			.map(JWK::getKeyID)
			.filter((kid) -> kid != null)
			.collect(Collectors.toUnmodifiableSet());
		this.last = new Fetched(fetched, this.nanoTime.getAsLong());
		List<MultiGauge.Row<?>> rows = fetched.stream()
			.<MultiGauge.Row<?>>map((kid) -> MultiGauge.Row.of(Tags.of("kid", kid), 1))
			.toList();
		// Kept rows stay registered (a scrape never misses them); rows no longer listed are removed.
		this.gauge.register(rows, false);
	}

	/** Whether the key set was last fetched less than {@code maxAge} ago, and has a key of this id. */
	public boolean knows(String kid, Duration maxAge) {
		Fetched last = this.last;
		return kid != null && last.ids().contains(kid) && this.nanoTime.getAsLong() - last.at() < maxAge.toNanos();
	}

	private record Fetched(Set<String> ids, long at) {
	}

}
