package dev.keel.platform.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * The access tokens a verifier has accepted, remembered until they expire, so that a client's next request with the
 * same token skips the RSA signature check and the parsing of its claims: 13 % of the gateway's CPU per request
 * when it runs C1 only (README, "Where the gateway's time goes"). Spring Security verifies every time and has no
 * such cache; Caffeine bounds it.
 * <p>
 * Only tokens the decoder accepted are remembered, by their exact text: a changed byte is another token, verified
 * in full. A remembered token is accepted again only while the key that signed it is in the issuer's key set as
 * fetched less than the key set's max age ago ({@link KnownKeys}); once the key set is older, requests are verified
 * in full, which fetches it again. So a key the issuer withdraws stops verifying as soon as it would without this
 * cache. A token is forgotten at its expiry (at the latest: the rules are checked again after, with
 * their clock skew) and when more than {@link #MAX_TOKENS} are remembered (the least used first). What the decoder
 * checks does not change for a token between its verification and its expiry: signature, issuer, audience, subject,
 * not-before.
 */
public final class VerifiedTokens {

	/** About 2.5 KB each (the token's text and its claims): at most 5 MB of heap. */
	static final int MAX_TOKENS = 2048;

	private final KnownKeys keys;

	private final Duration keySetMaxAge;

	private final Cache<String, Jwt> accepted;

	/**
	 * @param keys what the decoder's key source fetched last, and when
	 * @param keySetMaxAge how old a key set the decoder uses at most ({@code keel.security.jwks.max-age})
	 */
	public VerifiedTokens(KnownKeys keys, Duration keySetMaxAge) {
		this(keys, keySetMaxAge, Clock.systemUTC(), Ticker.systemTicker());
	}

	VerifiedTokens(KnownKeys keys, Duration keySetMaxAge, Clock clock, Ticker ticker) {
		this.keys = keys;
		this.keySetMaxAge = keySetMaxAge;
		this.accepted = Caffeine.newBuilder()
			.maximumSize(MAX_TOKENS)
			.ticker(ticker)
			.expireAfter(Expiry.creating((String token, Jwt jwt) -> untilExpiry(jwt, clock.instant())))
			.build();
	}

	/** {@code decoder}, which remembers what it accepts and answers from memory while it may. */
	public JwtDecoder around(JwtDecoder decoder) {
		return (token) -> {
			Jwt remembered = remembered(token);
			if (remembered != null) {
				return remembered;
			}
			Jwt jwt = decoder.decode(token);
			this.accepted.put(token, jwt);
			return jwt;
		};
	}

	/** {@code decoder}, which remembers what it accepts and answers from memory while it may. */
	public ReactiveJwtDecoder around(ReactiveJwtDecoder decoder) {
		return (token) -> {
			Jwt remembered = remembered(token);
			return (remembered != null) ? Mono.just(remembered)
					: decoder.decode(token).doOnNext((jwt) -> this.accepted.put(token, jwt));
		};
	}

	private Jwt remembered(String token) {
		Jwt jwt = this.accepted.getIfPresent(token);
		if (jwt == null) {
			return null;
		}
		return (jwt.getHeaders().get("kid") instanceof String kid && this.keys.knows(kid, this.keySetMaxAge)) ? jwt : null;
	}

	private static Duration untilExpiry(Jwt jwt, Instant now) {
		Instant expiry = jwt.getExpiresAt();
		// Not remembered at all: no expiry (the rules refuse it anyway), or within the clock skew after it.
		return (expiry == null || !expiry.isAfter(now)) ? Duration.ZERO : Duration.between(now, expiry);
	}

}
