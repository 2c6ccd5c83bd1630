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

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;

/**
 * The RSA keys of {@link SigningKeyProperties}: all of them are published (the JWKS), the active one signs
 * (tokens name it in their {@code kid} header, see {@code TokenClaims}).
 */
public final class SigningKeys {

	private final String active;

	private final JWKSet keys;

	private SigningKeys(String active, List<JWK> keys) {
		this.active = active;
		this.keys = new JWKSet(keys);
	}

	public static SigningKeys from(SigningKeyProperties properties) {
		if (properties.keys().isEmpty()) {
			if (!properties.generate()) {
				throw new IllegalStateException("No signing key: set keel.auth.signing.keys.<id> to a PKCS#8 RSA private "
						+ "key (PEM) and keel.auth.signing.active to its id");
			}
			return new SigningKeys("generated", List.of(rsaKey("generated", generatedKey())));
		}
		if (properties.active() == null || !properties.keys().containsKey(properties.active())) {
			throw new IllegalStateException("keel.auth.signing.active must name one of keel.auth.signing.keys "
					+ properties.keys().keySet() + ", not '" + properties.active() + "'");
		}
		List<JWK> keys = new ArrayList<>();
		for (Map.Entry<String, String> key : properties.keys().entrySet()) {
			keys.add(rsaKey(key.getKey(), parse(key.getKey(), key.getValue())));
		}
		return new SigningKeys(properties.active(), keys);
	}

	public String activeKeyId() {
		return this.active;
	}

	public JWKSource<SecurityContext> source() {
		return new ImmutableJWKSet<>(this.keys);
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
