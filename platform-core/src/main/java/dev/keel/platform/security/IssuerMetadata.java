package dev.keel.platform.security;

import java.net.URI;
import java.text.ParseException;
import java.util.Map;

import com.nimbusds.jose.util.JSONObjectUtils;

/**
 * Where an issuer publishes its keys, from its OpenID Connect discovery document
 * ({@code <issuer>/.well-known/openid-configuration}), for verifiers given only the issuer ({@code keel.auth.issuer},
 * no {@code keel.auth.jwk-set-uri}): Keycloak, Okta and Entra ID each publish their keys at a path of their own.
 * Read when the keys are first needed, not at start-up, so that a verifier starts while its issuer is down.
 */
public final class IssuerMetadata {

	public static final String DISCOVERY_PATH = "/.well-known/openid-configuration";

	private IssuerMetadata() {
	}

	/** The discovery document's address for this issuer. */
	public static URI discoveryUri(String issuer) {
		return URI.create(trimmed(issuer) + DISCOVERY_PATH);
	}

	/**
	 * The {@code jwks_uri} of a discovery document, which must name {@code issuer} as its own (as OpenID Connect
	 * Discovery requires): a document from anyone else must not choose the keys.
	 * @throws IllegalStateException when the document is not one, or is another issuer's
	 */
	public static URI jwksUri(String issuer, String document) {
		try {
			Map<String, Object> metadata = JSONObjectUtils.parse(document);
			String named = JSONObjectUtils.getString(metadata, "issuer");
			if (named == null || !trimmed(named).equals(trimmed(issuer))) {
				throw new IllegalStateException("The discovery document at " + discoveryUri(issuer)
						+ " is for issuer '" + named + "', not '" + issuer + "'");
			}
			URI keys = JSONObjectUtils.getURI(metadata, "jwks_uri");
			if (keys == null || !keys.isAbsolute()) {
				throw new IllegalStateException("The discovery document at " + discoveryUri(issuer) + " names no jwks_uri");
			}
			return keys;
		}
		catch (ParseException ex) {
			throw new IllegalStateException("The discovery document at " + discoveryUri(issuer) + " is not JSON", ex);
		}
	}

	private static String trimmed(String issuer) {
		return issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
	}

}
