package dev.keel.platform.security;

import java.time.Duration;
import java.time.Instant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.jwk.JWK;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * The access tokens a verifier has accepted, remembered until they expire, so that a client's next request with the
 * same token skips the RSA signature check and the parsing of its claims: 15 % of the gateway's CPU per request
 * when it runs C1 only, which has no intrinsics for RSA's arithmetic (README, "Maximum throughput"). Spring Security
 * verifies every time and has no such cache; Caffeine bounds it.
 * <p>
 * Only tokens the decoder accepted are remembered, by their exact text: a changed byte is another token, verified
 * in full. A remembered token is accepted again only
 * <ul>
 * <li>before its {@code exp} (the decoder would allow a minute of clock skew more);</li>
 * <li>while the issuer's key set was fetched less than the key set's max age ago ({@link KnownKeys}); once it is
 * older, requests are verified in full, which fetches it again;</li>
 * <li>while that key set has, under the token's {@code kid}, the very key (material, algorithm, use) it had when
 * the token was verified, read before the verification so that a key set fetched meanwhile cannot vouch for it.</li>
 * </ul>
 * So a key the issuer withdraws, or replaces under the same id, stops verifying when it would without this cache.
 * What else the decoder checks cannot change for a token: issuer, audience, subject, not-before.
 */
public final class VerifiedTokens {

	/** About 2.5 KB each (the token's text and its claims): at most 5 MB of heap. */
	private static final int MAX_TOKENS = 2048;

	private final KnownKeys keys;

	private final Duration keySetMaxAge;

	private final Cache<String, Remembered> accepted;

	/**
	 * @param keys the key set the decoder's key source fetched last, and when
	 * @param keySetMaxAge how old a key set the decoder uses at most ({@code keel.security.jwks.max-age})
	 */
	public VerifiedTokens(KnownKeys keys, Duration keySetMaxAge) {
		this(keys, keySetMaxAge, Ticker.systemTicker());
	}

	VerifiedTokens(KnownKeys keys, Duration keySetMaxAge, Ticker ticker) {
		this.keys = keys;
		this.keySetMaxAge = keySetMaxAge;
		// Forgotten at expiry to free the memory; remembered() checks the expiry itself, by the wall clock.
		this.accepted = Caffeine.newBuilder()
			.maximumSize(MAX_TOKENS)
			.ticker(ticker)
			.expireAfter(Expiry.creating((String token, Remembered remembered) -> untilExpiry(remembered.jwt(),
					keys.now())))
			.build();
	}

	/** {@code decoder}, which remembers what it accepts and answers from memory while it may. */
	public JwtDecoder around(JwtDecoder decoder) {
		return (token) -> {
			Jwt remembered = remembered(token);
			if (remembered != null) {
				return remembered;
			}
			KnownKeys.KeySet before = this.keys.current();
			Jwt jwt = decoder.decode(token);
			remember(token, jwt, before);
			return jwt;
		};
	}

	/** {@code decoder}, which remembers what it accepts and answers from memory while it may. */
	public ReactiveJwtDecoder around(ReactiveJwtDecoder decoder) {
		return (token) -> {
			Jwt remembered = remembered(token);
			if (remembered != null) {
				return Mono.just(remembered);
			}
			KnownKeys.KeySet before = this.keys.current();
			return decoder.decode(token).doOnNext((jwt) -> remember(token, jwt, before));
		};
	}

	private void remember(String token, Jwt jwt, KnownKeys.KeySet before) {
		JWK key = before.key(kid(jwt));
		if (key != null) {
			this.accepted.put(token, new Remembered(jwt, key));
		}
	}

	private Jwt remembered(String token) {
		Remembered remembered = this.accepted.getIfPresent(token);
		if (remembered == null) {
			return null;
		}
		Jwt jwt = remembered.jwt();
		Instant now = this.keys.now();
		KnownKeys.KeySet current = this.keys.current();
		boolean trusted = jwt.getExpiresAt() != null && now.isBefore(jwt.getExpiresAt())
				&& current.youngerThan(this.keySetMaxAge, now)
				&& remembered.key().equals(current.key(kid(jwt)));
		return trusted ? jwt : null;
	}

	private static String kid(Jwt jwt) {
		return (jwt.getHeaders().get("kid") instanceof String kid) ? kid : null;
	}

	private static Duration untilExpiry(Jwt jwt, Instant now) {
		Instant expiry = jwt.getExpiresAt();
		return (expiry == null || !expiry.isAfter(now)) ? Duration.ZERO : Duration.between(now, expiry);
	}

	/** A token the decoder accepted, and the key of its {@code kid} then. */
	private record Remembered(Jwt jwt, JWK key) {
	}

}
