package dev.keel.launcher;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class GatewayProfileTests {

	// async-profiler's collapsed format: frames root first, class names with slashes, the sample count last.
	private static final List<String> COLLAPSED = List.of(
			"java/lang/Thread.run;io/netty/channel/nio/NioEventLoop.run;"
					+ "reactor/netty/http/server/HttpServerOperations.onInboundNext;"
					+ "reactor/core/publisher/ContextPropagation$ContextRestore103Subscriber.onNext;"
					+ "io/micrometer/context/DefaultContextSnapshot.setThreadLocals;java/util/HashMap.get 30",
			"java/lang/Thread.run;io/netty/channel/nio/NioEventLoop.run;io/netty/channel/AbstractChannel.write;"
					+ "reactor/core/publisher/FluxMap$MapSubscriber.onNext;reactor/core/publisher/MonoNext.onNext;"
					+ "org/springframework/security/web/server/authorization/AuthorizationWebFilter.filter;"
					+ "com/nimbusds/jose/crypto/RSASSAVerifier.verify;sun/security/rsa/RSASignature.engineVerify 50",
			"GCTaskThread::run;G1YoungCollector::collect 20",
			"",
			"java/lang/Thread.run;io/netty/channel/nio/NioEventLoop.run;io/netty/channel/Abstr");

	@Test
	void eachFrameBelongsToTheFirstLibraryWhosePrefixMatchesAndTheJdkToNone() {
		assertThat(GatewayProfile.library("reactor/core/publisher/ContextPropagation$ContextRestore103Subscriber.onNext"))
			.isEqualTo("context propagation");
		assertThat(GatewayProfile.library("reactor/core/publisher/FluxMap$MapSubscriber.onNext")).isEqualTo("Reactor");
		assertThat(GatewayProfile.library("reactor/netty/http/server/HttpServerOperations.onInboundNext"))
			.isEqualTo("Reactor Netty");
		assertThat(GatewayProfile.library("org/springframework/cloud/gateway/filter/NettyRoutingFilter.filter"))
			.isEqualTo("Spring Cloud Gateway");
		assertThat(GatewayProfile.library("dev/keel/gateway/CorrelationWebFilter.filter")).isEqualTo("keel");
		assertThat(GatewayProfile.library("java/util/HashMap.get")).isNull();
		assertThat(GatewayProfile.library("G1YoungCollector::collect")).isNull();
	}

	@Test
	void stacksFoldIntoTheLibrariesTheyPassThroughAndEachCountsWhereItRanItselfAndATruncatedLineIsSkipped() {
		Map<List<String>, Long> stacks = GatewayProfile.byLibrary(COLLAPSED.stream());

		assertThat(stacks).containsExactly(
				Map.entry(List.of("Netty", "Reactor Netty", "context propagation"), 30L),
				Map.entry(List.of("Netty", "Reactor", "Spring Security", "JWT"), 50L),
				Map.entry(List.of(GatewayProfile.JVM), 20L));
		List<Map.Entry<String, Double>> shares = GatewayProfile.shares(stacks);
		assertThat(shares).extracting(Map.Entry::getKey)
			.containsExactly("JWT", "context propagation", GatewayProfile.JVM);
		assertThat(shares.get(0).getValue()).isCloseTo(0.5, within(1e-9));
	}

	@Test
	void theFlameGraphIsAnSvgWithABoxPerLibraryAtEachDepthAndItsShare() throws Exception {
		String svg = GatewayProfile.svg(GatewayProfile.byLibrary(COLLAPSED.stream()), "gateway <before> & after");

		Document document = DocumentBuilderFactory.newInstance()
			.newDocumentBuilder()
			.parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
		assertThat(document.getDocumentElement().getTagName()).isEqualTo("svg");
		// all, then Netty and JVM; Reactor Netty and Reactor; context propagation and Spring Security; JWT.
		assertThat(document.getElementsByTagName("rect").getLength()).isEqualTo(1 + 8);
		assertThat(Stream.of("all: 100.0 %", "JWT: 50.0 %", "context propagation: 30.0 %", "JVM: 20.0 %",
				"gateway &lt;before&gt; &amp; after"))
			.allMatch(svg::contains);
	}

}
