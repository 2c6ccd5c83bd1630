package dev.keel.auth.keys;

import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The keys tokens are signed with. Every key listed is published in the JWKS; only {@code active} signs. Rotation
 * (README, "Rotating the signing key"): add the next key, wait until every verifier has fetched it, make it active,
 * and remove the old one once the longest-lived token it signed has expired.
 *
 * @param active the id ({@code kid}) of the key that signs
 * @param keys RSA private keys (PKCS#8 PEM) by id; outside local and dev from a secret store ({cipher} or a mounted
 * file), never from this repository
 * @param generate whether to generate a throw-away key when none is configured: tests only, as every restart and
 * every replica would sign with a key of its own
 */
@ConfigurationProperties("keel.auth.signing")
public record SigningKeyProperties(String active, Map<String, String> keys, boolean generate) {

	public SigningKeyProperties {
		keys = (keys != null) ? Map.copyOf(keys) : Map.of();
	}

	@Override
	public String toString() {
		return "SigningKeyProperties[active=" + this.active + ", keys=" + this.keys.keySet() + ", generate="
				+ this.generate + "]";
	}

}
