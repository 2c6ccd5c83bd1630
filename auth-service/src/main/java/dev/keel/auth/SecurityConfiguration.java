package dev.keel.auth;

import java.time.Clock;
import java.util.Set;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.security.oauth2.server.authorization.autoconfigure.servlet.OAuth2AuthorizationServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.OAuth2AuthorizationServerConfiguration;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;

import dev.keel.auth.keys.SigningKeyProperties;
import dev.keel.auth.keys.SigningKeys;
import dev.keel.auth.tokens.TokenClaims;
import dev.keel.auth.tokens.TokenProperties;
import dev.keel.platform.config.LiveProperties;

import static org.springframework.security.config.Customizer.withDefaults;

/**
 * Four filter chains: actuator (on its own port), Spring Authorization Server's endpoints (authorize, token, JWKS,
 * OpenID Connect discovery and user info), public sign-up, and the sign-in form a person is sent to during an authorization request.
 * Everything else, the probes aside, needs a signed-in person. Authorizations (codes, refresh tokens) and sign-in sessions live in the
 * database, so that any replica continues what another started.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	/** Actuator, on the management port only (never routed): probes and metrics, as on every service. */
	@Bean
	@Order(0)
	SecurityFilterChain actuator(HttpSecurity http) {
		http.securityMatcher(EndpointRequest.toAnyEndpoint())
			.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll());
		return http.build();
	}

	@Bean
	@Order(1)
	SecurityFilterChain authorizationServer(HttpSecurity http) {
		http.oauth2AuthorizationServer((server) -> {
			http.securityMatcher(server.getEndpointsMatcher());
			server.oidc(withDefaults());
		});
		http.authorizeHttpRequests((requests) -> requests.anyRequest().authenticated());
		// The OpenID Connect user info endpoint takes the access token.
		http.oauth2ResourceServer((resourceServer) -> resourceServer.jwt(withDefaults()));
		MediaTypeRequestMatcher browsers = new MediaTypeRequestMatcher(MediaType.TEXT_HTML);
		browsers.setIgnoredMediaTypes(Set.of(MediaType.ALL));
		http.exceptionHandling((exceptions) -> exceptions
			.defaultAuthenticationEntryPointFor(new LoginUrlAuthenticationEntryPoint("/login"), browsers));
		return http.build();
	}

	/**
	 * Sign-up: public, and a JSON API with no session or cookie to ride on, so no CSRF token (a browser's form post
	 * cannot send its JSON body either). Rate-limited per address at the gateway. With it, the description of this
	 * API ({@code /v3/api-docs}), which the gateway publishes as {@code /api/docs/auth-service}.
	 */
	@Bean
	@Order(2)
	SecurityFilterChain signUp(HttpSecurity http) {
		http.securityMatcher("/api/v1/accounts", "/v3/api-docs")
			.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
			.csrf((csrf) -> csrf.disable())
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.requestCache((cache) -> cache.disable());
		return http.build();
	}

	@Bean
	@Order(3)
	SecurityFilterChain signIn(HttpSecurity http, AuthenticationFailureHandler signInFailures) {
		http.authorizeHttpRequests((requests) -> requests.requestMatchers("/login", "/livez", "/readyz", "/error")
			.permitAll()
			.anyRequest()
			.authenticated());
		http.formLogin((form) -> form.failureHandler(signInFailures));
		return http.build();
	}

	@Bean
	SigningKeys signingKeys(LiveProperties live) {
		return new SigningKeys(live.bind("keel.auth.signing", SigningKeyProperties.class));
	}

	@Bean
	JWKSource<SecurityContext> jwkSource(SigningKeys keys) {
		return keys.source();
	}

	@Bean
	JwtDecoder jwtDecoder(JWKSource<SecurityContext> keys) {
		return OAuth2AuthorizationServerConfiguration.jwtDecoder(keys);
	}

	@Bean
	OAuth2TokenCustomizer<JwtEncodingContext> tokenClaims(SigningKeys keys, TokenProperties tokens,
			MeterRegistry meters) {
		return new TokenClaims(keys::activeKeyId, tokens.audience(), meters);
	}

	@Bean
	OAuth2AuthorizationService authorizations(JdbcOperations jdbc, RegisteredClientRepository clients) {
		return new JdbcOAuth2AuthorizationService(jdbc, clients);
	}

	@Bean
	OAuth2AuthorizationConsentService consents(JdbcOperations jdbc, RegisteredClientRepository clients) {
		return new JdbcOAuth2AuthorizationConsentService(jdbc, clients);
	}

	/**
	 * Stops the start when a confidential client's secret did not come from the secret store: Boot binds an unset
	 * variable as an empty value (or, without a default, as its literal placeholder), which would register a
	 * secret anyone can guess.
	 */
	@Bean
	InitializingBean clientSecretsAreSet(OAuth2AuthorizationServerProperties server) {
		return () -> server.getClient().forEach((name, client) -> {
			String secret = client.getRegistration().getClientSecret();
			if (secret != null && (secret.contains("${") || secret.replaceFirst("^\\{[^}]*}", "").isBlank())) {
				throw new IllegalStateException("Client " + name + " has no secret: set it from the secret store "
						+ "(config-repo/auth-service.yml names the variable)");
			}
		});
	}

	@Bean
	PasswordEncoder passwordEncoder() {
		return PasswordEncoderFactories.createDelegatingPasswordEncoder();
	}

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

}
