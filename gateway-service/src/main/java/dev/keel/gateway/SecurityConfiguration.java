package dev.keel.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.authentication.ReactiveJwtAuthenticationConverterAdapter;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import dev.keel.platform.security.AccessTokens;

/**
 * Spring Security in front of every route. Every request needs a bearer access token, a JWT the gateway verifies
 * against the issuer's published keys (signature, {@code iss}, {@code aud}, {@code exp}/{@code nbf}: config-repo's
 * {@code spring.security.oauth2.resourceserver.jwt}), except the public list: how to get a token (auth-service's
 * sign-up, sign-in, token, key and discovery endpoints, which it guards itself), reading the product catalogue, and
 * the APIs' documentation while Swagger UI is on. Each API needs its scope ({@link RequiredScopes}), and listing every
 * user the administrator role. The token goes on to the service.
 * <p>
 * Its firewall ({@code StrictServerWebExchangeFirewall}) refuses what a backend could resolve differently from the
 * gateway's route predicates, which match the raw path: dot segments ({@code /api/v1/users/../../actuator}),
 * {@code ;} path parameters ({@code /..;/}), encoded slashes, dots, backslashes and percent signs, {@code //},
 * control characters, unknown methods. Its refusals, like a missing or refused token and a missing scope, are
 * problems like every other answer, with RFC 6750's {@code WWW-Authenticate} where a token is concerned.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	/** auth-service's endpoints: the {@code auth} route's paths in gateway-service.yml (SignInPathsTests). */
	static final String[] SIGN_IN_PATHS = { "/api/v1/accounts", "/oauth2/**", "/login", "/.well-known/**", "/userinfo",
			"/connect/**", "/default-ui.css" };

	/**
	 * Swagger UI (its page, its settings) and the services' descriptions (gateway-service.yml's docs routes, one per
	 * service, named after it); not the gateway's own description, which springdoc serves beside the settings and
	 * which is empty.
	 */
	static final String[] API_DOCS = { "/api/docs", "/api/docs/swagger-ui/**", "/api/docs/swagger/swagger-config",
			"/api/docs/*-service" };

	/**
	 * @param publicApiDocs whether Swagger UI is on: then it and the services' descriptions are public; otherwise
	 * (production) the descriptions need a token like the APIs they describe
	 */
	@Bean
	SecurityWebFilterChain apiSecurity(ServerHttpSecurity http, MeterRegistry meters,
			@Value("${springdoc.swagger-ui.enabled:true}") boolean publicApiDocs, RequiredScopes scopes) {
		BearerTokenProblems problems = new BearerTokenProblems(meters, scopes);
		return http
			.authorizeExchange((exchanges) -> {
				exchanges.pathMatchers(SIGN_IN_PATHS).permitAll();
				if (publicApiDocs) {
					exchanges.pathMatchers(HttpMethod.GET, API_DOCS).permitAll();
				}
				// Probes; actuator, on the management port only, which is not public (the API port has no route to it).
				exchanges.pathMatchers("/livez", "/readyz", "/actuator/**")
					.permitAll()
					.pathMatchers(HttpMethod.GET, "/api/v1/products/**")
					.permitAll()
					// Every profile at once: administrators only.
					.pathMatchers(HttpMethod.GET, "/api/v1/users", "/api/v1/users/")
					.hasRole("admin")
					// A token, and the scope a rule names for the path, if one does.
					.anyExchange()
					.access(scopes);
			})
			.oauth2ResourceServer((resourceServer) -> resourceServer
				.jwt((jwt) -> jwt.jwtAuthenticationConverter(scopesAndRoles()))
				.authenticationEntryPoint(problems)
				.accessDeniedHandler(problems))
			.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(problems).accessDeniedHandler(problems))
			.csrf(ServerHttpSecurity.CsrfSpec::disable)
			.httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
			.formLogin(ServerHttpSecurity.FormLoginSpec::disable)
			.logout(ServerHttpSecurity.LogoutSpec::disable)
			.requestCache((cache) -> cache.requestCache(NoOpServerRequestCache.getInstance()))
			.securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
			.build();
	}

	/** {@link AccessTokens#authorities()}, for WebFlux. */
	static ReactiveJwtAuthenticationConverterAdapter scopesAndRoles() {
		return new ReactiveJwtAuthenticationConverterAdapter(AccessTokens.authorities());
	}

	/** Rendered by {@link ProblemErrorHandler}, as {@code bad-request}. */
	@Bean
	ServerExchangeRejectedHandler firewallRejectionAsProblem() {
		return (exchange, rejected) -> Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST,
				"The request was refused: its path, method or headers are not allowed."));
	}

	/**
	 * 401 and 403 as RFC 6750 says (a {@code WWW-Authenticate} challenge with the error code) and as problems
	 * ({@link ProblemErrorHandler}). The challenge never says why a token was refused: a client learns nothing
	 * about keys or claims by probing. Counted as {@code keel.gateway.auth.refused} by status and API.
	 */
	static final class BearerTokenProblems implements ServerAuthenticationEntryPoint, ServerAccessDeniedHandler {

		private final MeterRegistry meters;

		/** The APIs the scope rules name; anything else is counted as "other", so that probing cannot add series. */
		private final RequiredScopes apis;

		BearerTokenProblems(MeterRegistry meters, RequiredScopes apis) {
			this.meters = meters;
			this.apis = apis;
		}

		private void count(ServerWebExchange exchange, HttpStatus status) {
			String api = this.apis.api(exchange.getRequest().getPath().value());
			this.meters.counter("keel.gateway.auth.refused", "status", String.valueOf(status.value()), "api", api)
				.increment();
		}

		@Override
		public Mono<Void> commence(ServerWebExchange exchange,
				AuthenticationException ex) {
			boolean refused = ex instanceof OAuth2AuthenticationException;
			count(exchange, HttpStatus.UNAUTHORIZED);
			exchange.getResponse()
				.getHeaders()
				.set(HttpHeaders.WWW_AUTHENTICATE, refused ? "Bearer error=\"invalid_token\"" : "Bearer");
			return Mono.error(new ResponseStatusException(HttpStatus.UNAUTHORIZED,
					refused ? "The access token is invalid or has expired. Sign in again for a new one."
							: "This API needs an access token: Authorization: Bearer <token>."));
		}

		@Override
		public Mono<Void> handle(ServerWebExchange exchange,
				AccessDeniedException denied) {
			exchange.getResponse()
				.getHeaders()
				.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"insufficient_scope\"");
			count(exchange, HttpStatus.FORBIDDEN);
			// Who was refused, for the access log.
			return exchange.getPrincipal()
				.doOnNext((principal) -> exchange.getAttributes().put(AuthenticatedSubject.ATTRIBUTE, principal.getName()))
				.then(Mono.error(new ResponseStatusException(HttpStatus.FORBIDDEN,
						"The access token does not allow this request: it lacks the scope or role this API needs.")));
		}

	}

}
