package dev.keel.gateway;

import java.security.Principal;

import io.micrometer.common.KeyValue;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Keeps who a request was authenticated as (the token's subject: a username or a client id, never an e-mail or the
 * token) where the access log, which runs outside Spring Security, and the rate limiter find it, and on the
 * request's span as {@code enduser.id}.
 */
@Component
public class AuthenticatedSubject implements WebFilter, Ordered {

	public static final String ATTRIBUTE = AuthenticatedSubject.class.getName();

	static final String SPAN_TAG = "enduser.id";

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return exchange.getPrincipal()
			.map(Principal::getName)
			.doOnNext((subject) -> {
				exchange.getAttributes().put(ATTRIBUTE, subject);
				// The request's span names the caller too (OpenTelemetry's attribute; spans only, never metric tags).
				ServerRequestObservationContext.findCurrent(exchange.getAttributes())
					.ifPresent((context) -> context.addHighCardinalityKeyValue(KeyValue.of(SPAN_TAG, subject)));
			})
			.then(chain.filter(exchange));
	}

	/** After Spring Security's filters (-100), which authenticate the request. */
	@Override
	public int getOrder() {
		return 0;
	}

}
