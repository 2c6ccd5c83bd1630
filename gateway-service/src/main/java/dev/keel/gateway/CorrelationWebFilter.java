package dev.keel.gateway;

import java.util.Optional;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.keel.platform.observability.Correlation;

/**
 * Where a request gets its identity: the client's {@code X-Request-Id} if it is a plain, short one (a
 * malformed one is refused with 400, rather than let into headers and logs), else a new one; it is
 * forwarded to the services, which pass it on. Every answer carries it and {@code X-Trace-Id}, and each
 * request leaves one access log line, with the subject of its access token when it had a valid one.
 */
@Component
class CorrelationWebFilter implements WebFilter, Ordered {

	static final String REQUEST_ID_ATTRIBUTE = CorrelationWebFilter.class.getName() + ".requestId";

	private static final Logger access = LoggerFactory.getLogger("keel.access");

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		long start = System.nanoTime();
		String given = exchange.getRequest().getHeaders().getFirst(Correlation.REQUEST_ID);
		boolean refused = given != null && !Correlation.isValidRequestId(given);
		String requestId = (given != null && !refused) ? given : Correlation.newRequestId();
		exchange.getAttributes().put(REQUEST_ID_ATTRIBUTE, requestId);
		Optional<String> traceId = traceId(exchange);
		// Set last, over what the service answered with (the same values), so that each appears once.
		exchange.getResponse().beforeCommit(() -> {
			exchange.getResponse().getHeaders().set(Correlation.REQUEST_ID, requestId);
			traceId.ifPresent((id) -> exchange.getResponse().getHeaders().set(Correlation.TRACE_ID, id));
			return Mono.empty();
		});
		if (refused) {
			return Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST,
					"X-Request-Id must be 1 to 64 letters, digits, '.', '_', ':' or '-'."));
		}
		ServerWebExchange forwarded = (given != null) ? exchange : exchange.mutate()
			.request(exchange.getRequest().mutate().header(Correlation.REQUEST_ID, requestId).build())
			.build();
		return chain.filter(forwarded).doFinally((signal) -> {
			if (access.isInfoEnabled()) {
				Route route = forwarded.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
				access.info("{} {} -> {} in {} ms (route {}, request {}, trace {}, subject {})",
						forwarded.getRequest().getMethod(), forwarded.getRequest().getPath().value(),
						forwarded.getResponse().getStatusCode(), (System.nanoTime() - start) / 1_000_000,
						(route != null) ? route.getId() : "-", requestId, traceId.orElse("-"),
						forwarded.getAttributeOrDefault(AuthenticatedSubject.ATTRIBUTE, "-"));
			}
		});
	}

	/** The W3C trace id of the request's server observation (taken from traceparent, or new). */
	static Optional<String> traceId(ServerWebExchange exchange) {
		return ServerRequestObservationContext.findCurrent(exchange.getAttributes())
			.map((context) -> (TracingObservationHandler.TracingContext) context
				.get(TracingObservationHandler.TracingContext.class))
			.map(TracingObservationHandler.TracingContext::getSpan)
			.map(Span::context)
			.map((context) -> context.traceId());
	}

	/** Before the path check and everything else, so that even refused requests are correlated. */
	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
