package dev.keel.auth.keys;

import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class SigningKeysTests {

	private static final String FIRST = pem();

	private static final String NEXT = pem();

	private final AtomicReference<SigningKeyProperties> configured = new AtomicReference<>(
			new SigningKeyProperties("first", Map.of("first", FIRST), false));

	@Test
	void aRefreshPublishesSwitchesAndRetiresKeysWithoutARestart() throws Exception {
		SigningKeys keys = new SigningKeys(this.configured::get);
		assertThat(published(keys)).containsExactly("first");

		this.configured.set(new SigningKeyProperties("first", Map.of("first", FIRST, "next", NEXT), false));
		assertThat(published(keys)).containsExactlyInAnyOrder("first", "next");
		assertThat(keys.activeKeyId()).isEqualTo("first");

		this.configured.set(new SigningKeyProperties("next", Map.of("first", FIRST, "next", NEXT), false));
		assertThat(keys.activeKeyId()).isEqualTo("next");

		this.configured.set(new SigningKeyProperties("next", Map.of("next", NEXT), false));
		assertThat(published(keys)).containsExactly("next");
	}

	@Test
	void keysThatDoNotLoadOnARefreshLeaveTheKeysInUse() throws Exception {
		SigningKeys keys = new SigningKeys(this.configured::get);

		this.configured.set(new SigningKeyProperties("next", Map.of("first", FIRST, "next", "not a key"), false));
		assertThat(keys.activeKeyId()).isEqualTo("first");
		assertThat(published(keys)).containsExactly("first");

		this.configured.set(new SigningKeyProperties("missing", Map.of("first", FIRST), false));
		assertThat(keys.activeKeyId()).isEqualTo("first");
	}

	@Test
	void keysThatDoNotLoadStopTheStart() {
		this.configured.set(new SigningKeyProperties("first", Map.of("first", "not a key"), false));
		assertThatIllegalStateException().isThrownBy(() -> new SigningKeys(this.configured::get))
			.withMessageContaining("'first'")
			.withMessageNotContaining("not a key");
	}

	private static List<String> published(SigningKeys keys) throws Exception {
		return keys.source()
			.get(new JWKSelector(new JWKMatcher.Builder().build()), null)
			.stream()
			.map(JWK::getKeyID)
			.toList();
	}

	private static String pem() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			return "-----BEGIN PRIVATE KEY-----\n"
					+ Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
					+ "\n-----END PRIVATE KEY-----\n";
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
