package dev.keel.auth.keys;

import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RSA keys of {@link SigningKeyProperties}: all of them are published (the JWKS), the active one signs
 * (tokens name it in their {@code kid} header, see {@code TokenClaims}). They follow a configuration refresh, so a
 * key is rotated by commits to config-repo, without a restart and without a pause in sign-ins (README, "Rotating the
 * signing key"). Keys that do not load stop the start-up; on a refresh they are refused and the keys in use stay.
 */
public final class SigningKeys {

	private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);

	private final Supplier<SigningKeyProperties> properties;

	private volatile Loaded loaded;

	public SigningKeys(Supplier<SigningKeyProperties> properties) {
		this.properties = properties;
		this.loaded = load(properties.get());
	}

	public String activeKeyId() {
		return current().active();
	}

	/** Every key, as configured at the time of each use. */
	public JWKSource<SecurityContext> source() {
		return (selector, context) -> selector.select(current().keys());
	}

	private Loaded current() {
		SigningKeyProperties configured = this.properties.get();
		Loaded known = this.loaded;
		if (configured.equals(known.from())) {
			return known;
		}
		synchronized (this) {
			known = this.loaded;
			if (!configured.equals(known.from())) {
				try {
					this.loaded = load(configured);
					log.info("Signing keys changed: {} signs, {} published", this.loaded.active(),
							configured.keys().keySet());
				}
				catch (IllegalStateException ex) {
					// Remembered as seen, so that the error is logged once per change, not once per token.
					this.loaded = new Loaded(configured, known.active(), known.keys());
					log.error("New signing keys refused, {} still signs: {}", known.active(), ex.getMessage());
				}
			}
			return this.loaded;
		}
	}

	private static Loaded load(SigningKeyProperties properties) {
		if (properties.keys().isEmpty()) {
			if (!properties.generate()) {
				throw new IllegalStateException("No signing key: set keel.auth.signing.keys.<id> to a PKCS#8 RSA private "
						+ "key (PEM) and keel.auth.signing.active to its id");
			}
			return new Loaded(properties, "generated", new JWKSet(rsaKey("generated", generatedKey())));
		}
		if (properties.active() == null || !properties.keys().containsKey(properties.active())) {
			throw new IllegalStateException("keel.auth.signing.active must name one of keel.auth.signing.keys "
					+ properties.keys().keySet() + ", not '" + properties.active() + "'");
		}
		List<JWK> keys = new ArrayList<>();
		for (Map.Entry<String, String> key : properties.keys().entrySet()) {
			keys.add(rsaKey(key.getKey(), parse(key.getKey(), key.getValue())));
		}
		return new Loaded(properties, properties.active(), new JWKSet(keys));
	}

	private static RSAKey rsaKey(String id, RSAPrivateCrtKey privateKey) {
		try {
			RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
				.generatePublic(new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
			return new RSAKey.Builder(publicKey).privateKey(privateKey)
				.keyID(id)
				.keyUse(KeyUse.SIGNATURE)
				.algorithm(JWSAlgorithm.RS256)
				.build();
		}
		catch (NoSuchAlgorithmException | InvalidKeySpecException ex) {
			throw new IllegalStateException("Signing key '" + id + "' is not a usable RSA key", ex);
		}
	}

	/** The message names the key, never its content. */
	private static RSAPrivateCrtKey parse(String id, String pem) {
		try {
			String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
			byte[] der = Base64.getDecoder().decode(base64);
			if (KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der)) instanceof RSAPrivateCrtKey key
					&& key.getModulus().bitLength() >= 2048) {
				return key;
			}
			throw new IllegalStateException("Signing key '" + id + "' must be an RSA key of 2048 bits or more");
		}
		catch (IllegalArgumentException | NoSuchAlgorithmException | InvalidKeySpecException ex) {
			throw new IllegalStateException("Signing key '" + id + "' is not a PKCS#8 RSA private key in PEM", ex);
		}
	}

	private record Loaded(SigningKeyProperties from, String active, JWKSet keys) {
	}

	private static RSAPrivateCrtKey generatedKey() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			return (RSAPrivateCrtKey) generator.generateKeyPair().getPrivate();
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
