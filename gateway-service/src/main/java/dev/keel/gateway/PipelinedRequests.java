package dev.keel.gateway;

import reactor.core.scheduler.Schedulers;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Works around reactor/reactor-netty#4361, fixed upstream after the newest release served here (1.3.8 has it too).
 * A keep-alive request that arrives while the previous exchange on its connection is still ending is queued; when
 * that exchange ends, the queued request is handled, and if the gateway answers it at once, within that same step
 * (a 401, a 429, a 404 of its own), Reactor Netty never reads the connection again. The next request on it waits
 * until the client gives up. Behind Nginx's upstream keep-alive on a busy machine, that was one request in a few
 * hundred.
 * <p>
 * Each exchange starts here in a task of its own on its connection's event loop, so no answer is written inside
 * the step that dispatched its request, which is what the bug needs. The cost is one task on the same thread per
 * request. Delete this class when the Reactor Netty that Spring Boot brings has the fix (GatewayIT checks it).
 */
@Component
class PipelinedRequests implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory> {

	@Override
	public void customize(NettyReactiveWebServerFactory factory) {
		// The loop as a plain Executor: as an ExecutorService, Reactor would wrap it in a scheduler of its own, set
		// up under a JVM-wide lock, for every request.
		factory.addServerCustomizers((server) -> server.mapHandle((exchange, connection) -> exchange
			.subscribeOn(Schedulers.fromExecutor(connection.channel().eventLoop()::execute))));
	}

}
