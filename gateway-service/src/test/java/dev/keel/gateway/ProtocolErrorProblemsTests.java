package dev.keel.gateway;

import java.nio.charset.StandardCharsets;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handler that gives Netty's empty error answers a problem body, on a channel of its own: each answer is
 * matched with its own request, pipelined or not.
 */
class ProtocolErrorProblemsTests {

	private final EmbeddedChannel channel = new EmbeddedChannel(new ProtocolErrorProblems.Handler());

	@Test
	void anEmptyErrorAnswerGetsTheProblemOfItsStatus() {
		this.channel.writeInbound(request(HttpMethod.GET));

		FullHttpResponse answer = answer(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);

		assertThat(answer.headers().get("Content-Type")).isEqualTo("application/problem+json");
		assertThat(answer.content().toString(StandardCharsets.UTF_8))
			.contains("\"type\":\"" + ProblemErrorHandler.TYPES + "request-header-fields-too-large\"")
			.contains("\"status\":431");
		answer.release();
	}

	@Test
	void pipelinedRequestsEachGetTheAnswerTheirMethodAllows() {
		// HEAD, then GET sent before the HEAD is answered: the HEAD's answer must stay without a body, or the
		// client would read that body as the start of the next answer.
		this.channel.writeInbound(request(HttpMethod.HEAD));
		this.channel.writeInbound(request(HttpMethod.GET));

		FullHttpResponse toHead = answer(HttpResponseStatus.NOT_FOUND);
		FullHttpResponse toGet = answer(HttpResponseStatus.NOT_FOUND);

		assertThat(toHead.content().readableBytes()).as("the HEAD's").isZero();
		assertThat(toGet.content().toString(StandardCharsets.UTF_8)).contains("\"status\":404");
		toHead.release();
		toGet.release();
	}

	@Test
	void anInterimAnswerAnswersNoRequest() {
		this.channel.writeInbound(request(HttpMethod.HEAD));
		this.channel.writeInbound(request(HttpMethod.GET));

		FullHttpResponse interim = answer(HttpResponseStatus.CONTINUE);
		FullHttpResponse toHead = answer(HttpResponseStatus.BAD_REQUEST);
		FullHttpResponse toGet = answer(HttpResponseStatus.BAD_REQUEST);

		assertThat(toHead.content().readableBytes()).isZero();
		assertThat(toGet.content().readableBytes()).isPositive();
		interim.release();
		toHead.release();
		toGet.release();
	}

	private FullHttpResponse answer(HttpResponseStatus status) {
		this.channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status));
		return this.channel.readOutbound();
	}

	private static DefaultFullHttpRequest request(HttpMethod method) {
		return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/api/v1/users/1");
	}

}
