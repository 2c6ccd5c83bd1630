package dev.keel.gateway;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import reactor.netty.NettyPipeline;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Problems for what Reactor Netty refuses before Spring sees the request: a malformed request line or header,
 * a request line or headers too long (400, 414, 431), or a URI {@code java.net.URI} cannot hold. Netty answers
 * those with an empty body and offers no hook for it; this handler, placed right after the HTTP codec, gives
 * every empty error answer on its way out the problem body of its status. Answers with a body, HEAD answers and
 * successes pass untouched.
 */
@Component
class ProtocolErrorProblems implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory> {

	static final String HANDLER = "keel.protocolErrorProblems";

	@Override
	public void customize(NettyReactiveWebServerFactory factory) {
		factory.addServerCustomizers((server) -> server.doOnChannelInit((observer, channel, address) -> {
			// Plain HTTP/1.1: the codec is in place now (with TLS and ALPN it is added later, if at all).
			if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
				channel.pipeline().addAfter(NettyPipeline.HttpCodec, HANDLER, new Handler());
			}
		}));
	}

	/**
	 * One per connection: it remembers, in order, whether each request read is a HEAD, so that the answer being
	 * written is matched with its own request even when a client pipelines the next one before it.
	 */
	static final class Handler extends ChannelDuplexHandler {

		private final Deque<Boolean> heads = new ArrayDeque<>();

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
			if (msg instanceof HttpRequest request) {
				this.heads.addLast(HttpMethod.HEAD.equals(request.method()));
			}
			super.channelRead(ctx, msg);
		}

		@Override
		public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
			// Informational answers (100 Continue) come before the request's own: they answer no request.
			if (msg instanceof HttpResponse response && response.status().code() >= 200) {
				boolean head = Boolean.TRUE.equals(this.heads.pollFirst());
				if (msg instanceof FullHttpResponse full && full.status().code() >= 400 && !head
						&& full.content().readableBytes() == 0) {
					byte[] body = problem(full.status().code());
					FullHttpResponse withBody = full.replace(Unpooled.wrappedBuffer(body));
					full.release();
					withBody.headers()
						.set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
						.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
					super.write(ctx, withBody, promise);
					return;
				}
			}
			super.write(ctx, msg, promise);
		}

		static byte[] problem(int code) {
			HttpStatus status = HttpStatus.resolve(code);
			String type = (status != null) ? status.name().toLowerCase(Locale.ROOT).replace('_', '-') : "http-" + code;
			String title = (status != null) ? status.getReasonPhrase() : "Error";
			String detail = switch (code) {
				case 400 -> "The request could not be read: its request line, URI or headers are malformed.";
				case 414 -> "The request line is too long.";
				case 431 -> "The request's headers are too large.";
				default -> title + ".";
			};
			return """
					{"type":"%s%s","title":"%s","status":%d,"detail":"%s"}"""
				.formatted(ProblemErrorHandler.TYPES, type, title, code, detail)
				.getBytes(StandardCharsets.UTF_8);
		}

	}

}
