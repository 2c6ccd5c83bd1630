package dev.keel.platform.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

/**
 * The keys a verifier knows, as it last fetched the issuer's key set: gauge {@code keel.security.jwks.keys}, one
 * series per {@code kid} (value 1). Rotating the signing key waits until every verifier shows the next key before
 * signing with it, so that no token is refused for a key a verifier has not fetched yet. Key ids are few, so they
 * make a tag. {@link VerifiedTokens} asks it whether the key that verified a remembered token is still the issuer's.
 */
public final class KnownKeys {

	private final MultiGauge gauge;

	private final Clock clock;

	private volatile KeySet last = new KeySet(Map.of(), Instant.MIN);

	public KnownKeys(MeterRegistry meters) {
		this(meters, Clock.systemUTC());
	}

	KnownKeys(MeterRegistry meters, Clock clock) {
		this.gauge = MultiGauge.builder("keel.security.jwks.keys")
			.description("Keys of the issuer this verifier knows, by kid, as last fetched")
			.register(meters);
		this.clock = clock;
	}

	/**
	 * @param keys the issuer's key set
	 * @param asOf when its fetch began, as the decoder dates it: the age {@code keel.security.jwks.max-age} limits
	 */
	public synchronized void fetched(JWKSet keys, Instant asOf) {
		Map<String, JWK> byId = new HashMap<>();
		Set<String> ambiguous = new HashSet<>();
		for (JWK key : keys.getKeys()) {
			if (key.getKeyID() != null && byId.putIfAbsent(key.getKeyID(), key) != null
					&& !byId.get(key.getKeyID()).equals(key)) {
				// Two keys under one id: neither is known for sure, and tokens naming it are always verified.
				ambiguous.add(key.getKeyID());
			}
		}
		Set<String> ids = Set.copyOf(byId.keySet());
		byId.keySet().removeAll(ambiguous);
		this.last = new KeySet(Map.copyOf(byId), asOf);
		List<MultiGauge.Row<?>> rows = ids.stream()
			.<MultiGauge.Row<?>>map((kid) -> MultiGauge.Row.of(Tags.of("kid", kid), 1))
			.toList();
		// Kept rows stay registered (a scrape never misses them); rows no longer listed are removed.
		this.gauge.register(rows, false);
	}

	/** The key set as last fetched. */
	KeySet current() {
		return this.last;
	}

	Instant now() {
		return this.clock.instant();
	}

	/**
	 * The issuer's keys by id, each whole (an id may be published again with other material, or other uses), and when
	 * they were fetched.
	 */
	record KeySet(Map<String, JWK> keys, Instant fetchedAt) {

		/** The one key of this id, or null. */
		JWK key(String kid) {
			return (kid != null) ? this.keys.get(kid) : null;
		}

		boolean youngerThan(Duration maxAge, Instant now) {
			return now.isBefore(this.fetchedAt.plus(maxAge));
		}

	}

}
