package dev.keel.gateway;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.keel.platform.config.LiveProperties;

/**
 * Caps request bodies at the gateway ({@code keel.gateway.max-request-body}), before anything holds them: a body
 * whose {@code Content-Length} says it is too large is refused with 413 before a byte of it is read, and a
 * chunked one the moment the bytes that passed exceed the limit, each chunk released as it goes. Only then may a
 * retry keep a body in memory, so that what the gateway buffers is bounded by the limit times the requests in
 * flight. Spring Cloud Gateway's {@code RequestSize} filter only reads {@code Content-Length}, lets chunked
 * bodies through, and runs after its own retry has buffered the body: hence this filter.
 */
@Component
class RequestBodyLimitFilter implements WebFilter, Ordered {

	private final Supplier<Limits> limits;

	RequestBodyLimitFilter(LiveProperties live) {
		this.limits = live.bind("keel.gateway", Limits.class);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		long limit = this.limits.get().maxRequestBody().toBytes();
		if (exchange.getRequest().getHeaders().getContentLength() > limit) {
			return Mono.error(new BodyTooLarge(limit));
		}
		ServerHttpRequestDecorator limited = new ServerHttpRequestDecorator(exchange.getRequest()) {

			@Override
			public Flux<DataBuffer> getBody() {
				AtomicLong read = new AtomicLong();
				return super.getBody().handle((buffer, sink) -> {
					if (read.addAndGet(buffer.readableByteCount()) > limit) {
						DataBufferUtils.release(buffer);
						sink.error(new BodyTooLarge(limit));
					}
					else {
						sink.next(buffer);
					}
				});
			}

		};
		return chain.filter(exchange.mutate().request(limited).build());
	}

	/** Right after the request is named and its client known, before security and routing. */
	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 2;
	}

	/** @param maxRequestBody largest request body the gateway forwards; larger ones get 413 */
	record Limits(@DefaultValue("64KB") DataSize maxRequestBody) {
	}

	/**
	 * Rendered as 413 {@code content-too-large}. The connection is kept: Reactor Netty discards the rest of the
	 * body as it arrives, where closing with unread bytes would reset the connection and lose the answer.
	 */
	static final class BodyTooLarge extends ResponseStatusException {

		BodyTooLarge(long limit) {
			super(HttpStatus.CONTENT_TOO_LARGE, "The request body exceeds the limit of " + limit + " bytes.");
		}

	}

}
