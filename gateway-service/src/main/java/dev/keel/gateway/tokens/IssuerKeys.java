package dev.keel.gateway.tokens;

import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.client.WebClient;

import dev.keel.platform.security.IssuerMetadata;
import dev.keel.platform.security.KnownKeys;

/**
 * The issuer's published keys, as the gateway verifies tokens with them. Written here because Spring Security's
 * reactive JWKS source keeps the keys it fetched forever, fetching them again only for a token that names an
 * unknown {@code kid}, every time, unthrottled: a key the issuer retired (or withdrew after a leak) would verify
 * until the gateway restarts, and tokens with made-up {@code kid}s would send one request each to the issuer.
 * <p>
 * Here the key set is fetched again once it is older than {@code maxAge}, and for an unknown {@code kid}; either
 * way at most once per {@code unknownKeyInterval}, one fetch at a time, whatever the number of requests waiting.
 * When the issuer cannot be reached, the last key set it published stays in use (valid tokens keep working through
 * an auth-service outage) and the failure is logged.
 */
final class IssuerKeys implements Function<SignedJWT, Flux<JWK>> {

	private static final Logger log = LoggerFactory.getLogger(IssuerKeys.class);

	private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

	private final Mono<JWKSet> fetch;

	private final Duration maxAge;

	private final Duration unknownKeyInterval;

	private final KnownKeys known;

	private final Clock clock;

	private volatile Fetched current;

	private volatile Instant lastAttempt = Instant.MIN;

	private Mono<JWKSet> inFlight;

	/**
	 * @param jwkSetUri where the keys are; empty: where the issuer's discovery document says ({@link IssuerMetadata}),
	 * asked on the first fetch and again after a failure, kept once known
	 */
	IssuerKeys(WebClient web, String issuer, String jwkSetUri, Duration maxAge, Duration unknownKeyInterval,
			KnownKeys known, Clock clock) {
		Mono<URI> keysAt = StringUtils.hasText(jwkSetUri) ? Mono.just(URI.create(jwkSetUri))
				: web.get()
					.uri(IssuerMetadata.discoveryUri(issuer))
					.retrieve()
					.bodyToMono(String.class)
					.timeout(FETCH_TIMEOUT)
					.map((document) -> IssuerMetadata.jwksUri(issuer, document))
					.cache((uri) -> Duration.ofMillis(Long.MAX_VALUE), (ex) -> Duration.ZERO, () -> Duration.ZERO);
		this.fetch = keysAt.flatMap((uri) -> web.get()
			.uri(uri)
			.retrieve()
			.bodyToMono(String.class)
			.timeout(FETCH_TIMEOUT))
			.map(IssuerKeys::parse);
		this.maxAge = maxAge;
		this.unknownKeyInterval = unknownKeyInterval;
		this.known = known;
		this.clock = clock;
	}

	@Override
	public Flux<JWK> apply(SignedJWT jwt) {
		JWKSelector selector = new JWKSelector(JWKMatcher.forJWSHeader(jwt.getHeader()));
		return keys(jwt.getHeader().getKeyID()).flatMapIterable(selector::select);
	}

	private Mono<JWKSet> keys(String keyId) {
		Fetched known = this.current;
		Instant now = this.clock.instant();
		// Whatever the reason, at most one attempt per unknownKeyInterval once there are keys: while the issuer is
		// unreachable, requests are verified with the keys known instead of each waiting for a fetch that fails.
		boolean mayFetch = known == null || !now.isBefore(this.lastAttempt.plus(this.unknownKeyInterval));
		boolean stale = known == null || !now.isBefore(known.at().plus(this.maxAge));
		boolean unknownKey = known != null && keyId != null && known.keys().getKeyByKeyId(keyId) == null;
		if (!mayFetch || (!stale && !unknownKey)) {
			return Mono.just(known.keys());
		}
		return refresh(now).onErrorResume((ex) -> {
			if (known == null) {
				// Nothing to verify with: the token cannot be checked now, which says nothing against it (503).
				return Mono.error(new JwtException("The issuer's keys could not be fetched", ex));
			}
			log.warn("The issuer's keys could not be fetched ({}); verifying with those it published {} ago", ex.toString(),
					Duration.between(known.at(), now));
			return Mono.just(known.keys());
		});
	}

	/** One fetch for every request that needs it now; requests that come once it is done start the next. */
	private synchronized Mono<JWKSet> refresh(Instant now) {
		if (this.inFlight == null) {
			this.lastAttempt = now;
			this.inFlight = this.fetch.doOnNext((keys) -> {
				this.current = new Fetched(keys, now);
				this.known.fetched(keys, now);
			})
				.doFinally((signal) -> done())
				.cache();
		}
		return this.inFlight;
	}

	private synchronized void done() {
		this.inFlight = null;
	}

	private static JWKSet parse(String body) {
		try {
			return JWKSet.parse(body);
		}
		catch (ParseException ex) {
			throw new IllegalStateException("The issuer's JWKS is not a JSON Web Key Set", ex);
		}
	}

	private record Fetched(JWKSet keys, Instant at) {
	}

}
