package dev.keel.gateway;

import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.web.server.ResponseStatusException;

/**
 * Spring Security in front of every route. Its firewall ({@code StrictServerWebExchangeFirewall}) refuses what a
 * backend could resolve differently from the gateway's route predicates, which match the raw path: dot segments
 * ({@code /api/v1/users/../../actuator}), {@code ;} path parameters ({@code /..;/}), encoded slashes, dots,
 * backslashes and percent signs, {@code //}, control characters, unknown methods. Its refusals are problems
 * like every other answer. Clients are anonymous: the API carries no sessions, cookies or logins.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	@Bean
	SecurityWebFilterChain apiSecurity(ServerHttpSecurity http) {
		return http.authorizeExchange((exchanges) -> exchanges.anyExchange().permitAll())
			.csrf(ServerHttpSecurity.CsrfSpec::disable)
			.httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
			.formLogin(ServerHttpSecurity.FormLoginSpec::disable)
			.logout(ServerHttpSecurity.LogoutSpec::disable)
			.requestCache((cache) -> cache.requestCache(NoOpServerRequestCache.getInstance()))
			.securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
			.build();
	}

	/** Rendered by {@link ProblemErrorHandler}, as {@code bad-request}. */
	@Bean
	ServerExchangeRejectedHandler firewallRejectionAsProblem() {
		return (exchange, rejected) -> Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST,
				"The request was refused: its path, method or headers are not allowed."));
	}

}
