package dev.keel.platform.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class VerifiedTokensTests {

	private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

	private static final Duration KEY_SET_MAX_AGE = Duration.ofSeconds(120);

	private final AtomicLong nanos = new AtomicLong();

	private final KnownKeys keys = new KnownKeys(new SimpleMeterRegistry(), this.nanos::get);

	private final VerifiedTokens verified = new VerifiedTokens(this.keys, KEY_SET_MAX_AGE,
			Clock.fixed(NOW, ZoneOffset.UTC), this.nanos::get);

	/** Verifications by token. */
	private final Map<String, AtomicInteger> verifications = new ConcurrentHashMap<>();

	private final Map<String, Jwt> tokens = Map.of("alice's", token("alice's", "one", NOW.plusSeconds(300)),
			"signed-by-the-next-key", token("signed-by-the-next-key", "next", NOW.plusSeconds(300)));

	private final JwtDecoder decoder = this.verified.around((JwtDecoder) this::verify);

	@Test
	void aTokenAcceptedOnceIsAcceptedAgainWithoutVerifyingIt() {
		this.keys.fetched(keySet("one", "next"));

		assertThat(this.decoder.decode("alice's").getSubject()).isEqualTo("alice");
		assertThat(this.decoder.decode("alice's").getSubject()).isEqualTo("alice");
		assertThat(this.decoder.decode("signed-by-the-next-key").getSubject()).isEqualTo("alice");

		assertThat(verifications("alice's")).isEqualTo(1);
		assertThat(verifications("signed-by-the-next-key")).isEqualTo(1);
	}

	@Test
	void aTokenTheDecoderRefusesIsVerifiedEachTime() {
		this.keys.fetched(keySet("one"));

		for (int i = 0; i < 2; i++) {
			assertThatExceptionOfType(BadJwtException.class).isThrownBy(() -> this.decoder.decode("forged"));
		}

		assertThat(verifications("forged")).isEqualTo(2);
	}

	@Test
	void aTokenWhoseKeyTheIssuerWithdrewIsVerifiedAgain() {
		this.keys.fetched(keySet("one", "next"));
		this.decoder.decode("alice's");
		this.decoder.decode("signed-by-the-next-key");

		this.keys.fetched(keySet("next"));
		this.decoder.decode("alice's");
		this.decoder.decode("signed-by-the-next-key");

		assertThat(verifications("alice's")).as("its key withdrawn").isEqualTo(2);
		assertThat(verifications("signed-by-the-next-key")).as("its key still published").isEqualTo(1);
	}

	@Test
	void onceTheKeySetIsOlderThanItsMaxAgeTokensAreVerifiedAgainWhichFetchesIt() {
		this.keys.fetched(keySet("one"));
		this.decoder.decode("alice's");

		this.nanos.addAndGet(KEY_SET_MAX_AGE.minusSeconds(1).toNanos());
		this.decoder.decode("alice's");
		assertThat(verifications("alice's")).as("the key set younger than its max age").isEqualTo(1);

		this.nanos.addAndGet(Duration.ofSeconds(1).toNanos());
		this.decoder.decode("alice's");
		this.decoder.decode("alice's");
		assertThat(verifications("alice's")).as("the key set as old as its max age").isEqualTo(3);

		this.keys.fetched(keySet("one"));
		this.decoder.decode("alice's");
		assertThat(verifications("alice's")).as("the key set fetched again").isEqualTo(3);
	}

	@Test
	void aTokenIsVerifiedAgainOnceItHasExpired() {
		this.keys.fetched(keySet("one"));
		this.decoder.decode("alice's");

		// Fetched again meanwhile, as the decoder does once the key set is older than its max age.
		this.nanos.addAndGet(Duration.ofSeconds(200).toNanos());
		this.keys.fetched(keySet("one"));
		this.nanos.addAndGet(Duration.ofSeconds(99).toNanos());
		this.decoder.decode("alice's");
		assertThat(verifications("alice's")).as("before its expiry").isEqualTo(1);

		this.nanos.addAndGet(Duration.ofSeconds(1).toNanos());
		this.decoder.decode("alice's");
		assertThat(verifications("alice's")).as("at its expiry").isEqualTo(2);
	}

	@Test
	void theReactiveDecoderRemembersToo() {
		this.keys.fetched(keySet("one"));
		ReactiveJwtDecoder reactive = this.verified.around((ReactiveJwtDecoder) (token) -> Mono.fromCallable(() -> verify(token)));

		assertThat(reactive.decode("alice's").block().getSubject()).isEqualTo("alice");
		assertThat(reactive.decode("alice's").block().getSubject()).isEqualTo("alice");
		assertThatExceptionOfType(BadJwtException.class).isThrownBy(() -> reactive.decode("forged").block());
		assertThatExceptionOfType(BadJwtException.class).isThrownBy(() -> reactive.decode("forged").block());

		assertThat(verifications("alice's")).isEqualTo(1);
		assertThat(verifications("forged")).isEqualTo(2);
	}

	/** The decoder behind the cache: accepts what {@link #tokens} holds, and counts. */
	private Jwt verify(String token) {
		this.verifications.computeIfAbsent(token, (t) -> new AtomicInteger()).incrementAndGet();
		Jwt jwt = this.tokens.get(token);
		if (jwt == null) {
			throw new BadJwtException("bad signature");
		}
		return jwt;
	}

	private int verifications(String token) {
		AtomicInteger count = this.verifications.get(token);
		return (count != null) ? count.get() : 0;
	}

	private static Jwt token(String value, String kid, Instant expiry) {
		return Jwt.withTokenValue(value)
			.header("alg", "RS256")
			.header("kid", kid)
			.subject("alice")
			.issuedAt(NOW.minusSeconds(60))
			.expiresAt(expiry)
			.build();
	}

	private static JWKSet keySet(String... kids) {
		List<JWK> keys = Arrays.stream(kids)
			.<JWK>map((kid) -> new OctetSequenceKey.Builder(new byte[32]).keyID(kid).build())
			.toList();
		return new JWKSet(keys);
	}

}
