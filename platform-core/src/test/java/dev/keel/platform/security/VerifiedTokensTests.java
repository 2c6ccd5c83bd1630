package dev.keel.platform.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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

	private static final Instant START = Instant.parse("2026-12-04T12:00:00Z");

	private static final Duration KEY_SET_MAX_AGE = Duration.ofSeconds(120);

	/** The issuer's keys: "one" and "next", and another key published under "one" (a replaced key). */
	private static final Map<String, JWK> KEYS = Map.of("one", key("one", 1), "next", key("next", 2), "one, replaced",
			key("one", 3));

	private final AtomicReference<Instant> now = new AtomicReference<>(START);

	private final KnownKeys keys = new KnownKeys(new SimpleMeterRegistry(), new Clock() {

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return VerifiedTokensTests.this.now.get();
		}

	});

	private final VerifiedTokens verified = new VerifiedTokens(this.keys, KEY_SET_MAX_AGE,
			() -> Duration.between(START, this.now.get()).toNanos());

	/** What the decoder behind the cache accepts. */
	private final Map<String, Jwt> tokens = Map.of("alice's", token("alice's", "one", START.plusSeconds(300)),
			"signed-by-the-next-key", token("signed-by-the-next-key", "next", START.plusSeconds(300)),
			"without-kid", token("without-kid", null, START.plusSeconds(300)),
			"expired", token("expired", "one", START.minusSeconds(1)));

	/** Verifications by token. */
	private final Map<String, AtomicInteger> verifications = new ConcurrentHashMap<>();

	/** Runs in each verification, as a key set fetched by the decoder meanwhile would. */
	private Runnable duringVerification = () -> {
	};

	private final JwtDecoder decoder = this.verified.around((JwtDecoder) this::verify);

	@Test
	void aTokenAcceptedOnceIsAcceptedAgainWithoutVerifyingIt() {
		fetched("one", "next");

		assertThat(this.decoder.decode("alice's").getSubject()).isEqualTo("alice");
		assertThat(this.decoder.decode("alice's").getSubject()).isEqualTo("alice");
		assertThat(this.decoder.decode("signed-by-the-next-key").getSubject()).isEqualTo("alice");
		assertThat(this.decoder.decode("signed-by-the-next-key").getSubject()).isEqualTo("alice");

		assertThat(verifications("alice's")).isEqualTo(1);
		assertThat(verifications("signed-by-the-next-key")).isEqualTo(1);
	}

	@Test
	void aTokenTheDecoderRefusesIsVerifiedEachTime() {
		fetched("one");

		for (int i = 0; i < 2; i++) {
			assertThatExceptionOfType(BadJwtException.class).isThrownBy(() -> this.decoder.decode("forged"));
		}

		assertThat(verifications("forged")).isEqualTo(2);
	}

	@Test
	void aTokenWithoutAKeyIdOrAlreadyExpiredIsVerifiedEachTime() {
		fetched("one");

		for (int i = 0; i < 2; i++) {
			this.decoder.decode("without-kid");
			this.decoder.decode("expired");
		}

		assertThat(verifications("without-kid")).isEqualTo(2);
		assertThat(verifications("expired")).isEqualTo(2);
	}

	@Test
	void aTokenWhoseKeyTheIssuerWithdrewIsVerifiedAgain() {
		fetched("one", "next");
		this.decoder.decode("alice's");
		this.decoder.decode("signed-by-the-next-key");

		fetched("next");
		this.decoder.decode("alice's");
		this.decoder.decode("signed-by-the-next-key");

		assertThat(verifications("alice's")).as("its key withdrawn").isEqualTo(2);
		assertThat(verifications("signed-by-the-next-key")).as("its key still published").isEqualTo(1);
	}

	@Test
	void aTokenWhoseKeyIdNowNamesAnotherKeyIsVerifiedAgain() {
		fetched("one");
		this.decoder.decode("alice's");

		fetched("one, replaced");
		this.decoder.decode("alice's");

		assertThat(verifications("alice's")).isEqualTo(2);
	}

	@Test
	void aKeySetFetchedDuringTheVerificationDoesNotVouchForTheToken() {
		fetched("one");
		// The token was verified with the key of then; "one" names another key once the verification ends.
		this.duringVerification = () -> fetched("one, replaced");
		this.decoder.decode("alice's");
		this.duringVerification = () -> {
		};

		this.decoder.decode("alice's");
		this.decoder.decode("alice's");

		assertThat(verifications("alice's")).as("remembered with the key set it was verified by, and only then")
			.isEqualTo(2);
	}

	@Test
	void onceTheKeySetIsOlderThanItsMaxAgeTokensAreVerifiedAgainWhichFetchesIt() {
		fetched("one");
		this.decoder.decode("alice's");

		elapse(KEY_SET_MAX_AGE.minusSeconds(1));
		this.decoder.decode("alice's");
		assertThat(verifications("alice's")).as("the key set younger than its max age").isEqualTo(1);

		elapse(Duration.ofSeconds(1));
		this.decoder.decode("alice's");
		this.decoder.decode("alice's");
		assertThat(verifications("alice's")).as("the key set as old as its max age").isEqualTo(3);

		fetched("one");
		this.decoder.decode("alice's");
		assertThat(verifications("alice's")).as("the key set fetched again").isEqualTo(3);
	}

	@Test
	void aTokenIsVerifiedAgainOnceItHasExpired() {
		fetched("one");
		this.decoder.decode("alice's");

		elapse(Duration.ofSeconds(200));
		fetched("one");
		elapse(Duration.ofSeconds(99));
		this.decoder.decode("alice's");
		assertThat(verifications("alice's")).as("before its expiry").isEqualTo(1);

		elapse(Duration.ofSeconds(1));
		this.decoder.decode("alice's");
		assertThat(verifications("alice's")).as("at its expiry").isEqualTo(2);
	}

	@Test
	void theReactiveDecoderRemembersToo() {
		fetched("one");
		ReactiveJwtDecoder reactive = this.verified
			.around((ReactiveJwtDecoder) (token) -> Mono.fromCallable(() -> verify(token)));

		assertThat(reactive.decode("alice's").block().getSubject()).isEqualTo("alice");
		assertThat(reactive.decode("alice's").block().getSubject()).isEqualTo("alice");
		assertThatExceptionOfType(BadJwtException.class).isThrownBy(() -> reactive.decode("forged").block());
		assertThatExceptionOfType(BadJwtException.class).isThrownBy(() -> reactive.decode("forged").block());

		assertThat(verifications("alice's")).isEqualTo(1);
		assertThat(verifications("forged")).isEqualTo(2);
	}

	private Jwt verify(String token) {
		this.verifications.computeIfAbsent(token, (t) -> new AtomicInteger()).incrementAndGet();
		this.duringVerification.run();
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

	private void fetched(String... keys) {
		this.keys.fetched(new JWKSet(Arrays.stream(keys).map(KEYS::get).toList()), this.now.get());
	}

	private void elapse(Duration duration) {
		this.now.updateAndGet((instant) -> instant.plus(duration));
	}

	private static Jwt token(String value, String kid, Instant expiry) {
		Jwt.Builder token = Jwt.withTokenValue(value)
			.header("alg", "RS256")
			.subject("alice")
			.issuedAt(expiry.minusSeconds(900))
			.expiresAt(expiry);
		return (kid != null) ? token.header("kid", kid).build() : token.build();
	}

	private static JWK key(String kid, int material) {
		byte[] secret = new byte[32];
		Arrays.fill(secret, (byte) material);
		return new OctetSequenceKey.Builder(secret).keyID(kid).build();
	}

}
