package dev.keel.gateway;

import java.util.Locale;
import java.util.regex.Pattern;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Refuses paths that a backend would resolve differently from the gateway. Route predicates match the raw
 * path, so {@code /api/v1/users/../../../actuator/env} matches {@code /api/v1/users/**} and the service's
 * server would then normalize it to its actuator. Dot segments, encoded dots and slashes, and backslashes
 * are therefore a 400, before any route is chosen.
 */
@Component
class NormalizedPathFilter implements WebFilter, Ordered {

	private static final Pattern DOT_SEGMENT = Pattern.compile("(^|/)\\.{1,2}(/|$)");

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String rawPath = exchange.getRequest().getURI().getRawPath();
		if (!isNormalized(rawPath)) {
			return Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST, "The path is not normalized."));
		}
		return chain.filter(exchange);
	}

	static boolean isNormalized(String rawPath) {
		if (rawPath == null) {
			return true;
		}
		String lower = rawPath.toLowerCase(Locale.ROOT);
		return !DOT_SEGMENT.matcher(rawPath).find() && !lower.contains("%2e") && !lower.contains("%2f")
				&& !lower.contains("%5c") && !rawPath.contains("\\") && !rawPath.contains("//");
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 1;
	}

}
