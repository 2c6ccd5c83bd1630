package dev.keel.platform.test;

import java.text.ParseException;
import java.util.Arrays;
import java.util.List;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Whose the bearer token of a request is, read without verifying it: for stubs of other services, which check whose
 * token the service under test sent (that service verifies the tokens it receives; the system tests use the real
 * services).
 *
 * @param subject the token's {@code sub}, or null without a readable token
 * @param scopes its {@code scope}, whether a space-separated string or a list (as Spring Authorization Server
 * issues it)
 */
public record UnverifiedBearer(String subject, List<String> scopes) {

	private static final UnverifiedBearer NONE = new UnverifiedBearer(null, List.of());

	/** From an {@code Authorization} header's value, which may be null. */
	public static UnverifiedBearer of(String authorization) {
		if (authorization == null || !authorization.startsWith("Bearer ")) {
			return NONE;
		}
		try {
			JWTClaimsSet claims = SignedJWT.parse(authorization.substring("Bearer ".length())).getJWTClaimsSet();
			Object scope = claims.getClaim("scope");
			List<String> scopes = (scope instanceof String text) ? Arrays.asList(text.split(" "))
					: (scope != null) ? claims.getStringListClaim("scope") : List.of();
			return new UnverifiedBearer(claims.getSubject(), scopes);
		}
		catch (ParseException ex) {
			return NONE;
		}
	}

}
