package dev.keel.gateway;

import java.io.IOException;
import java.net.ConnectException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import io.netty.channel.ConnectTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.webflux.error.ErrorWebExceptionHandler;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import dev.keel.gateway.ratelimit.RateLimited;
import dev.keel.gateway.resilience.RouteCircuitOpen;

/**
 * Every failure at the gateway, whether no route, no instance, a refused connection or a timeout, becomes
 * RFC 9457 {@code application/problem+json} in the same type namespace as the services' problems, never
 * Netty's or Boot's default error page.
 */
@Component
@Order(-2)
class ProblemErrorHandler implements ErrorWebExceptionHandler {

	/** The namespace of platform-starter's {@code ProblemTypes}; generic types are the status name too. */
	static final String TYPES = "https://keel.dev/problems/";

	private static final Logger log = LoggerFactory.getLogger(ProblemErrorHandler.class);

	private final JsonMapper json;

	ProblemErrorHandler(JsonMapper json) {
		this.json = json;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			return Mono.error(ex);
		}
		Problem problem = problemFor(ex);
		if (problem.status().is5xxServerError()) {
			// Named here: the gateway's log lines carry neither id of their own (gateway-service.yml).
			log.warn("{} {} -> {} (request {}, trace {}): {}", exchange.getRequest().getMethod(),
					exchange.getRequest().getPath(), problem.status().value(),
					exchange.getAttribute(CorrelationWebFilter.REQUEST_ID_ATTRIBUTE),
					CorrelationWebFilter.traceId(exchange).orElse("-"), ex.toString());
		}
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", TYPES + problem.type());
		body.put("title", problem.title());
		body.put("status", problem.status().value());
		body.put("detail", problem.detail());
		body.put("instance", exchange.getRequest().getPath().value());
		CorrelationWebFilter.traceId(exchange).ifPresent((traceId) -> body.put("traceId", traceId));
		Object requestId = exchange.getAttribute(CorrelationWebFilter.REQUEST_ID_ATTRIBUTE);
		if (requestId != null) {
			body.put("requestId", requestId);
		}
		response.setStatusCode(problem.status());
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		if (problem.retryAfterSeconds() > 0) {
			response.getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(problem.retryAfterSeconds()));
		}
		DataBuffer buffer = response.bufferFactory().wrap(this.json.writeValueAsBytes(body));
		return response.writeWith(Mono.just(buffer));
	}

	static Problem problemFor(Throwable ex) {
		if (ex instanceof RateLimited limited) {
			return new Problem(HttpStatus.TOO_MANY_REQUESTS, "too-many-requests", "Too many requests",
					"This client has used up its rate limit of %d requests for this API. Retry after %d s."
						.formatted(limited.limit(), limited.retryAfterSeconds()),
					limited.retryAfterSeconds());
		}
		if (ex instanceof RouteCircuitOpen open) {
			return new Problem(HttpStatus.SERVICE_UNAVAILABLE, "circuit-open", "Service unavailable",
					"The service is failing; requests are not sent to it for a while. Retry later.",
					open.retryAfterSeconds());
		}
		if (cause(ex, ConnectException.class) || cause(ex, ConnectTimeoutException.class)) {
			return new Problem(HttpStatus.SERVICE_UNAVAILABLE, "service-unavailable", "Service unavailable",
					"The service could not be reached. Retry later.", 1);
		}
		if (cause(ex, TimeoutException.class) || cause(ex, org.springframework.cloud.gateway.support.TimeoutException.class)) {
			return new Problem(HttpStatus.GATEWAY_TIMEOUT, "gateway-timeout", "Gateway timeout",
					"The service did not answer in time.", 0);
		}
		if (cause(ex, AuthenticationServiceException.class)) {
			// The token could not be checked (the issuer's keys unreachable), which says nothing against it.
			return new Problem(HttpStatus.SERVICE_UNAVAILABLE, "service-unavailable", "Service unavailable",
					"The access token could not be verified now. Retry later.", 1);
		}
		ResponseStatusException status = find(ex, ResponseStatusException.class);
		if (status != null) {
			return forStatus(status.getStatusCode(), status.getReason());
		}
		if (cause(ex, IOException.class)) {
			return new Problem(HttpStatus.BAD_GATEWAY, "bad-gateway", "Bad gateway",
					"The connection to the service failed before it answered.", 1);
		}
		log.error("Unexpected gateway error", ex);
		return new Problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal-server-error", "Internal error",
				"An unexpected error occurred.", 0);
	}

	/** Only the gateway's own reasons reach clients; they never contain anything from a request. */
	private static Problem forStatus(HttpStatusCode code, String reason) {
		HttpStatus status = HttpStatus.resolve(code.value());
		if (status == null) {
			status = HttpStatus.INTERNAL_SERVER_ERROR;
		}
		return switch (status) {
			case NOT_FOUND -> new Problem(status, "not-found", "Not found", "No API resource at this path.", 0);
			case SERVICE_UNAVAILABLE -> new Problem(status, "service-unavailable", "Service unavailable",
					"No instance of the service is available. Retry later.", 1);
			case GATEWAY_TIMEOUT -> new Problem(status, "gateway-timeout", "Gateway timeout",
					"The service did not answer in time.", 0);
			case UNAUTHORIZED -> new Problem(status, "unauthorized", "Unauthorized",
					(reason != null) ? reason : "This API needs an access token.", 0);
			case FORBIDDEN -> new Problem(status, "forbidden", "Forbidden",
					(reason != null) ? reason : "The access token does not allow this request.", 0);
			case BAD_REQUEST -> new Problem(status, "bad-request", "Bad request",
					(reason != null) ? reason : "The request is malformed.", 0);
			case CONTENT_TOO_LARGE -> new Problem(status, "content-too-large", "Request body too large",
					(reason != null) ? reason : "The request body is too large.", 0);
			default -> new Problem(status, status.name().toLowerCase(Locale.ROOT).replace('_', '-'),
					status.getReasonPhrase(), status.getReasonPhrase() + ".", 0);
		};
	}

	private static boolean cause(Throwable ex, Class<? extends Throwable> type) {
		return find(ex, type) != null;
	}

	/** The failure of the given type, whether thrown as is or wrapped (by exhausted retries, say). */
	private static <T extends Throwable> T find(Throwable ex, Class<T> type) {
		for (Throwable current = ex; current != null; current = current.getCause()) {
			if (type.isInstance(current)) {
				return type.cast(current);
			}
		}
		return null;
	}

	record Problem(HttpStatus status, String type, String title, String detail, long retryAfterSeconds) {
	}

}
