package dev.keel.platform.discovery;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The start-up checks of nacos mode against Nacos' answers (a stand-in server with Nacos 3.1's answers, recorded
 * from the real one; NacosIT runs the platform against the real one).
 */
class NacosStartupTests {

	private HttpServer nacos;

	@AfterEach
	void stop() {
		if (this.nacos != null) {
			this.nacos.stop(0);
		}
	}

	@Test
	void aNamespaceNacosDoesNotHaveStopsTheStartBeforeAnythingRegisters() throws IOException {
		answering("{\"code\":22001,\"message\":\"namespace not exist\",\"data\":\"namespaceId [ dvv ] not exist\"}");

		assertThatIllegalStateException().isThrownBy(() -> startup("dvv").afterSingletonsInstantiated())
			.withMessageContaining("has no namespace 'dvv'")
			.withMessageContaining("NACOS_NAMESPACE");
	}

	@Test
	void anExistingNamespaceOrOneTheAccountMayNotReadLetsItStart() throws IOException {
		answering("{\"code\":0,\"message\":\"success\",\"data\":{\"namespace\":\"dev\"}}");
		assertThatNoException().isThrownBy(() -> startup("dev").afterSingletonsInstantiated());
		stop();
		answering("{\"status\":403,\"error\":\"Forbidden\",\"message\":\"Code: 403, Message: authorization failed!.\"}");
		assertThatNoException().isThrownBy(() -> startup("dev").afterSingletonsInstantiated());
	}

	@Test
	void theServicesToSubscribeToAreTheGatewayRoutesAndTheClientsOfTheProcess() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("test",
					Map.of("spring.cloud.gateway.server.webflux.routes[0].uri", "lb://user-service",
							"spring.cloud.gateway.server.webflux.routes[0].id", "users",
							"spring.cloud.gateway.server.webflux.routes[1].uri", "https://example.org",
							"spring.cloud.gateway.server.webflux.routes[2].uri", "lb://order-service",
							"spring.cloud.gateway.server.webflux.routes[3].uri", "lb://legacy_billing/v1",
							"keel.clients.user-service.read-timeout", "2s")));

		assertThat(NacosStartup.calledServices(environment)).containsExactly("legacy_billing", "order-service",
				"user-service");
	}

	private void answering(String body) throws IOException {
		this.nacos = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.nacos.createContext("/nacos/", (exchange) -> {
			byte[] bytes = (exchange.getRequestURI().getPath().endsWith("/login")
					? "{\"accessToken\":\"t0k3n\",\"tokenTtl\":18000}" : body).getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(body.contains("403") ? 403 : 200, bytes.length);
			exchange.getResponseBody().write(bytes);
			exchange.close();
		});
		this.nacos.start();
	}

	private NacosStartup startup(String namespace) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("test",
					Map.of("spring.cloud.nacos.discovery.server-addr", "127.0.0.1:" + this.nacos.getAddress().getPort(),
							"spring.cloud.nacos.discovery.namespace", namespace,
							"spring.cloud.nacos.discovery.username", "keel",
							"spring.cloud.nacos.discovery.password", "s3cret")));
		return new NacosStartup(environment, new StaticListableBeanFactory().getBeanProvider(DiscoveryClient.class));
	}

}
