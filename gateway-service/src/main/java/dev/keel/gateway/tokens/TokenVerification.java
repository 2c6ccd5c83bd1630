package dev.keel.gateway.tokens;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.web.reactive.function.client.WebClient;

import dev.keel.platform.security.AccessTokens;
import dev.keel.platform.security.KeySetProperties;
import dev.keel.platform.security.KnownKeys;
import dev.keel.platform.security.VerifiedTokens;

/**
 * How the gateway verifies access tokens, from {@code spring.security.oauth2.resourceserver.jwt} (issuer, JWKS,
 * audiences) and {@code keel.security.jwks}: RS256 only, signed by one of the issuer's keys ({@link IssuerKeys}),
 * and {@link AccessTokens}' rules, which the services apply too; a token accepted once is accepted from memory while
 * its key stays the issuer's ({@link VerifiedTokens}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(KeySetProperties.class)
class TokenVerification {

	@Bean
	ReactiveJwtDecoder jwtDecoder(OAuth2ResourceServerProperties resourceServer, KeySetProperties keySet,
			MeterRegistry meters) {
		OAuth2ResourceServerProperties.Jwt jwt = resourceServer.getJwt();
		KnownKeys known = new KnownKeys(meters);
		NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder
			.withJwkSource(new IssuerKeys(WebClient.create(), jwt.getIssuerUri(), jwt.getJwkSetUri(), keySet.maxAge(),
					keySet.unknownKeyInterval(), known, Clock.systemUTC()))
			.jwsAlgorithm(SignatureAlgorithm.RS256)
			.build();
		decoder.setJwtValidator(AccessTokens.validator(jwt.getIssuerUri(), jwt.getAudiences()));
		return new VerifiedTokens(known, keySet.maxAge()).around(decoder);
	}

}
