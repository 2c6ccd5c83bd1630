package dev.keel.platform.security;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.CachingJWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetBasedJWKSource;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.OutageTolerantJWKSetSource;
import com.nimbusds.jose.jwk.source.RateLimitedJWKSetSource;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.servlet.OAuth2ResourceServerAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.keel.platform.web.ProblemErrorController;

/**
 * Every domain service is a resource server of its own, behind the gateway and not instead of it: a request that
 * reaches a service port without passing the gateway (another pod, a misrouted ingress) still needs a valid
 * access token, checked by the same rules ({@link AccessTokens}). Open without one: the probes, actuator (on the
 * management port, which is not public), the error page, the API's description and
 * {@code keel.security.public-reads}. The rest needs a token; what a caller may do with a given object is the
 * service's to decide, with the {@link Caller} its controllers receive.
 * <p>
 * Refusals are problems like every other answer (through the error page), with RFC 6750's
 * {@code WWW-Authenticate} challenge, which never says why a token was refused.
 */
@AutoConfiguration(before = { OAuth2ResourceServerAutoConfiguration.class, ServletWebSecurityAutoConfiguration.class,
		ManagementWebSecurityAutoConfiguration.class, UserDetailsServiceAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties({ OAuth2ResourceServerProperties.class, ResourceServerProperties.class,
		KeySetProperties.class })
public class ResourceServerAutoConfiguration {

	/** Timeouts and size limit of a key set fetch: a slow issuer must not hold requests for long. */
	private static final int CONNECT_TIMEOUT_MS = 2_000;

	private static final int READ_TIMEOUT_MS = 5_000;

	private static final int MAX_KEY_SET_BYTES = 64 * 1024;

	/** While the issuer cannot answer, the last keys go on verifying for this long. */
	private static final Duration OUTAGE_TOLERANCE = Duration.ofHours(1);

	/** How long a request waits for another's fetch of the keys: longer than one fetch may take. */
	private static final int FETCH_WAIT_MS = CONNECT_TIMEOUT_MS + READ_TIMEOUT_MS + 1_000;

	/**
	 * RS256 only, signed by one of the issuer's keys ({@code jwk-set-uri}, or where the issuer's discovery document
	 * says when that is empty: {@link DiscoveredKeySet}). Nimbus's key sources, stacked so that
	 * keys are cached, fetches for unknown key ids are throttled, and the last keys stay in use through an issuer
	 * outage or a throttled fetch ({@link ThrottledFetchesAsOutage}); Spring's default neither throttles nor
	 * tolerates outages, and Nimbus's builder stacks the throttle above the outage tolerance. A token accepted once
	 * is accepted from memory while its key stays the issuer's ({@link VerifiedTokens}).
	 */
	@Bean
	@ConditionalOnMissingBean
	JwtDecoder jwtDecoder(OAuth2ResourceServerProperties resourceServer, KeySetProperties keySet, MeterRegistry meters)
			throws MalformedURLException {
		OAuth2ResourceServerProperties.Jwt jwt = resourceServer.getJwt();
		// Fail at start-up, not on the first request: a service that cannot verify tokens must not run.
		Assert.hasText(jwt.getIssuerUri(), "spring.security.oauth2.resourceserver.jwt.issuer-uri must name the issuer "
				+ "(config-repo: keel.auth.issuer)");
		DefaultResourceRetriever retriever = new DefaultResourceRetriever(CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS,
				MAX_KEY_SET_BYTES);
		JWKSetSource<SecurityContext> fetched = StringUtils.hasText(jwt.getJwkSetUri())
				? new URLBasedJWKSetSource<>(URI.create(jwt.getJwkSetUri()).toURL(), retriever)
				: new DiscoveredKeySet(jwt.getIssuerUri(), retriever);
		JWKSetSource<SecurityContext> throttled = new RateLimitedJWKSetSource<>(fetched,
				keySet.unknownKeyInterval().toMillis(), null);
		JWKSetSource<SecurityContext> tolerant = new OutageTolerantJWKSetSource<>(
				new ThrottledFetchesAsOutage(throttled), OUTAGE_TOLERANCE.toMillis(), null);
		KnownKeys known = new KnownKeys(meters);
		ObservedKeySets observed = new ObservedKeySets(known);
		JWKSource<SecurityContext> keys = new JWKSetBasedJWKSource<>(observed.handedOut(new CachingJWKSetSource<>(
				observed.loaded(tolerant), keySet.maxAge().toMillis(), FETCH_WAIT_MS, null)));
		DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
		processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
		// "JWT" or none, as most issuers send, or RFC 9068's access-token type.
		processor.setJWSTypeVerifier(
				new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
		// The claims are AccessTokens' to check, below.
		processor.setJWTClaimsSetVerifier((claims, context) -> {
		});
		NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
		decoder.setJwtValidator(AccessTokens.validator(jwt.getIssuerUri(), jwt.getAudiences()));
		return new VerifiedTokens(known, keySet.maxAge()).around(decoder);
	}

	/** Unless the service has its own (auth-service, the issuer, does). */
	@Bean
	@ConditionalOnMissingBean(SecurityFilterChain.class)
	SecurityFilterChain resourceServerSecurity(HttpSecurity http, ResourceServerProperties properties,
			JwtDecoder decoder) throws Exception {
		// Fail at start-up: a read scope for a path no rule covers would be ignored in silence.
		Assert.isTrue(properties.requiredScopes().keySet().containsAll(properties.readScopes().keySet()),
				() -> "keel.security.read-scopes names paths that keel.security.required-scopes does not: "
						+ properties.readScopes().keySet());
		BearerTokenProblems problems = new BearerTokenProblems();
		String[] publicReads = properties.publicReads().toArray(String[]::new);
		return http
			.authorizeHttpRequests((requests) -> {
				requests.dispatcherTypeMatchers(DispatcherType.ERROR)
					.permitAll()
					.requestMatchers("/error", "/livez", "/readyz", "/actuator/**")
					.permitAll()
					// The API's description (ApiDocsAutoConfiguration), for the gateway's /api/docs/<service>: it tells
					// nothing a caller could not learn by calling the API.
					.requestMatchers(HttpMethod.GET, "/v3/api-docs")
					.permitAll()
					.requestMatchers(HttpMethod.GET, publicReads)
					.permitAll()
					.requestMatchers(HttpMethod.HEAD, publicReads)
					.permitAll();
				properties.requiredScopes().forEach((path, scope) -> {
					String reader = properties.readScopes().get(path);
					if (reader != null) {
						for (HttpMethod read : List.of(HttpMethod.GET, HttpMethod.HEAD)) {
							requests.requestMatchers(read, path).hasAnyAuthority("SCOPE_" + scope, "SCOPE_" + reader);
						}
					}
					requests.requestMatchers(path).hasAuthority("SCOPE_" + scope);
				});
				requests.anyRequest().authenticated();
			})
			.oauth2ResourceServer((resourceServer) -> resourceServer
				.jwt((jwt) -> jwt.decoder(decoder).jwtAuthenticationConverter(AccessTokens.authorities()))
				.authenticationEntryPoint(problems)
				.accessDeniedHandler(problems)
				// Keys that cannot be had (the issuer unreachable before any were fetched) answer 503 through the
				// entry point, where Spring would rethrow them as a 500.
				.withObjectPostProcessor(new ObjectPostProcessor<BearerTokenAuthenticationFilter>() {
					@Override
					public <O extends BearerTokenAuthenticationFilter> O postProcess(O filter) {
						AuthenticationEntryPointFailureHandler failures = new AuthenticationEntryPointFailureHandler(
								problems);
						failures.setRethrowAuthenticationServiceException(false);
						filter.setAuthenticationFailureHandler(failures);
						return filter;
					}
				}))
			.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(problems).accessDeniedHandler(problems))
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.requestCache(AbstractHttpConfigurer::disable)
			.csrf(AbstractHttpConfigurer::disable)
			.httpBasic(AbstractHttpConfigurer::disable)
			.formLogin(AbstractHttpConfigurer::disable)
			.logout(AbstractHttpConfigurer::disable)
			.build();
	}

	/** Just after Spring Security's filters, which authenticate the request. */
	@Bean
	FilterRegistrationBean<CallerObservationFilter> callerObservationFilter() {
		FilterRegistrationBean<CallerObservationFilter> registration = new FilterRegistrationBean<>(
				new CallerObservationFilter());
		registration.setOrder(SecurityFilterProperties.DEFAULT_FILTER_ORDER + 1);
		return registration;
	}

	/** Controllers take the {@link Caller} as a parameter. */
	@Bean
	WebMvcConfigurer callerArguments() {
		return new WebMvcConfigurer() {
			@Override
			public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
				resolvers.add(new CallerArgumentResolver());
			}
		};
	}

	static final class CallerArgumentResolver implements HandlerMethodArgumentResolver {

		@Override
		public boolean supportsParameter(MethodParameter parameter) {
			return parameter.getParameterType() == Caller.class;
		}

		@Override
		public Caller resolveArgument(MethodParameter parameter, ModelAndViewContainer container,
				NativeWebRequest request, WebDataBinderFactory binders) {
			return Caller.of(SecurityContextHolder.getContext().getAuthentication());
		}

	}

	/**
	 * 401 and 403 as RFC 6750 says, rendered as problems by the error page; 503 when tokens cannot be verified at
	 * all, which is not the client's fault.
	 */
	static final class BearerTokenProblems implements AuthenticationEntryPoint, AccessDeniedHandler {

		private static final Logger log = LoggerFactory.getLogger(BearerTokenProblems.class);

		@Override
		public void commence(HttpServletRequest request, HttpServletResponse response,
				AuthenticationException ex) throws IOException {
			if (ex instanceof AuthenticationServiceException) {
				log.warn("Access tokens cannot be verified: {}", ex.getMessage());
				response.setHeader(HttpHeaders.RETRY_AFTER, "1");
				request.setAttribute(ProblemErrorController.DETAIL,
						"Access tokens cannot be verified right now. Retry later.");
				response.sendError(HttpStatus.SERVICE_UNAVAILABLE.value());
				return;
			}
			boolean refused = ex instanceof OAuth2AuthenticationException;
			response.setHeader(HttpHeaders.WWW_AUTHENTICATE, refused ? "Bearer error=\"invalid_token\"" : "Bearer");
			request.setAttribute(ProblemErrorController.DETAIL,
					refused ? "The access token is invalid or has expired. Sign in again for a new one."
							: "This API needs an access token: Authorization: Bearer <token>.");
			response.sendError(HttpStatus.UNAUTHORIZED.value());
		}

		@Override
		public void handle(HttpServletRequest request, HttpServletResponse response,
				AccessDeniedException denied) throws IOException {
			response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"insufficient_scope\"");
			request.setAttribute(ProblemErrorController.DETAIL,
					"The access token does not allow this request: it lacks the scope or role it needs.");
			response.sendError(HttpStatus.FORBIDDEN.value());
		}

	}

}
