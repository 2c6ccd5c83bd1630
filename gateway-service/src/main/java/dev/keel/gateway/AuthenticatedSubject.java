package dev.keel.gateway;

import java.security.Principal;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Keeps who a request was authenticated as (the token's subject: a username or a client id, never an e-mail or the
 * token) where the access log, which runs outside Spring Security, and the rate limiter find it.
 */
@Component
public class AuthenticatedSubject implements WebFilter, Ordered {

	public static final String ATTRIBUTE = AuthenticatedSubject.class.getName();

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return exchange.getPrincipal()
			.map(Principal::getName)
			.doOnNext((subject) -> exchange.getAttributes().put(ATTRIBUTE, subject))
			.then(chain.filter(exchange));
	}

	/** After Spring Security's filters (-100), which authenticate the request. */
	@Override
	public int getOrder() {
		return 0;
	}

}
