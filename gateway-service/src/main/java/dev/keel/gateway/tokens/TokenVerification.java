package dev.keel.gateway.tokens;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * How the gateway verifies access tokens, from {@code spring.security.oauth2.resourceserver.jwt} (issuer, JWKS,
 * audiences) and {@code keel.gateway.jwks}: RS256 only, signed by one of the issuer's keys ({@link IssuerKeys}),
 * issued by the issuer, for one of the audiences, with a subject, an expiry and within its lifetime (a minute of
 * clock skew). Boot's own decoder would accept a token without {@code exp} for ever.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(KeySetProperties.class)
class TokenVerification {

	private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

	@Bean
	ReactiveJwtDecoder jwtDecoder(OAuth2ResourceServerProperties resourceServer, KeySetProperties keySet) {
		OAuth2ResourceServerProperties.Jwt jwt = resourceServer.getJwt();
		NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder
			.withJwkSource(new IssuerKeys(WebClient.create(), jwt.getJwkSetUri(), keySet.maxAge(), keySet.unknownKeyInterval(),
					Clock.systemUTC()))
			.jwsAlgorithm(SignatureAlgorithm.RS256)
			.build();
		JwtTimestampValidator lifetime = new JwtTimestampValidator(CLOCK_SKEW);
		lifetime.setAllowEmptyExpiryClaim(false);
		List<String> audiences = jwt.getAudiences();
		decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(lifetime, new JwtIssuerValidator(jwt.getIssuerUri()),
				new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
						(aud) -> aud != null && aud.stream().anyMatch(audiences::contains)),
				new JwtClaimValidator<String>(JwtClaimNames.SUB, (sub) -> sub != null && !sub.isBlank())));
		return decoder;
	}

}
