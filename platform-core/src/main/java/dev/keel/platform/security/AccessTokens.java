package dev.keel.platform.security;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;

/**
 * What every verifier of keel's access tokens accepts, the gateway and each service alike, so that a token the
 * gateway lets through is one the service accepts too. Spring's defaults are looser: a token without {@code exp}
 * would be valid for ever, and one without {@code sub} names nobody.
 */
public final class AccessTokens {

	/** Clocks of issuer and verifier may differ by this much. */
	public static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

	/** The longest subject accepted: what the services' owner columns hold. */
	public static final int MAX_SUBJECT_LENGTH = 255;

	/** The claim that holds the caller's roles ({@code admin}, {@code customer}). */
	public static final String ROLES_CLAIM = "roles";

	private AccessTokens() {
	}

	/**
	 * Issued by {@code issuer}, for one of {@code audiences}, with a subject (of at most 255 characters), an expiry and
	 * within its lifetime.
	 * (The signature and its algorithm are the decoder's.)
	 */
	public static OAuth2TokenValidator<Jwt> validator(String issuer, List<String> audiences) {
		JwtTimestampValidator lifetime = new JwtTimestampValidator(CLOCK_SKEW);
		lifetime.setAllowEmptyExpiryClaim(false);
		return new DelegatingOAuth2TokenValidator<>(lifetime, new JwtIssuerValidator(issuer),
				new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
						(aud) -> aud != null && aud.stream().anyMatch(audiences::contains)),
				new JwtClaimValidator<String>(JwtClaimNames.SUB,
						(sub) -> sub != null && !sub.isBlank() && sub.length() <= MAX_SUBJECT_LENGTH));
	}

	/** A token's scopes as {@code SCOPE_<scope>} authorities and its roles as {@code ROLE_<role>}. */
	public static JwtAuthenticationConverter authorities() {
		JwtGrantedAuthoritiesConverter scopes = new JwtGrantedAuthoritiesConverter();
		JwtGrantedAuthoritiesConverter roles = new JwtGrantedAuthoritiesConverter();
		roles.setAuthoritiesClaimName(ROLES_CLAIM);
		roles.setAuthorityPrefix("ROLE_");
		JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
		converter.setJwtGrantedAuthoritiesConverter((jwt) -> Stream
			.concat(scopes.convert(jwt).stream(), roles.convert(jwt).stream())
			.toList());
		return converter;
	}

}
