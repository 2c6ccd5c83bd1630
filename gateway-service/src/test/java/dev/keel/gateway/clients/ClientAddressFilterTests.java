package dev.keel.gateway.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import dev.keel.platform.config.LiveProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Who the client is: what connected, unless that is a trusted proxy; never what a client wrote itself.
 */
class ClientAddressFilterTests {

	private static final InetSocketAddress EDGE = new InetSocketAddress("10.0.0.5", 41000);

	private static final InetSocketAddress STRANGER = new InetSocketAddress("203.0.113.9", 52000);

	@Test
	void eachWayOfRunningTrustsItsOwnEdgeOnly() {
		assertThat(trustedProxies("kubernetes", "prod")).as("the ingress controller's pods").containsExactly("10.0.0.0/8");
		assertThat(trustedProxies("local", "dev")).as("this machine").containsExactly("127.0.0.1/32", "::1/128");
		assertThat(trustedProxies("docker", "dev")).as("the edge container's fixed address").containsExactly("172.30.0.2/32");
	}

	/** keel.gateway.trusted-proxies as config-repo/ resolves it for these profiles (the last one first). */
	private static List<String> trustedProxies(String... profiles) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		Path configRepo = Path.of("../config-repo");
		List<Path> files = new ArrayList<>();
		for (int i = profiles.length - 1; i >= 0; i--) {
			files.add(configRepo.resolve("gateway-service-" + profiles[i] + ".yml"));
			files.add(configRepo.resolve("application-" + profiles[i] + ".yml"));
		}
		files.add(configRepo.resolve("gateway-service.yml"));
		files.add(configRepo.resolve("application.yml"));
		for (Path file : files) {
			if (Files.exists(file)) {
				try {
					new YamlPropertySourceLoader().load(file.toString(), new FileSystemResource(file))
						.forEach(environment.getPropertySources()::addLast);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}
		}
		return Binder.get(environment)
			.bind("keel.gateway", ClientAddressProperties.class)
			.map(ClientAddressProperties::trustedProxies)
			.orElse(List.of());
	}

	@Test
	void aClientThatConnectsDirectlyIsItsAddressAndItsForwardingHeadersAreDropped() {
		ServerWebExchange seen = filter(List.of("10.0.0.0/8"), MockServerHttpRequest.get("/api/v1/products")
			.remoteAddress(STRANGER)
			.header("X-Forwarded-For", "198.51.100.1")
			.header("Forwarded", "for=198.51.100.1")
			.header("X-Real-IP", "198.51.100.1"));

		assertThat(seen.getRequest().getRemoteAddress()).isEqualTo(STRANGER);
		assertThat(seen.getRequest().getHeaders().headerNames()).doesNotContain("Forwarded", "X-Real-IP");
		assertThat(seen.getRequest().getHeaders().get("X-Forwarded-For")).as("what the gateway saw, for the services")
			.containsExactly(STRANGER.getAddress().getHostAddress());
	}

	@Test
	void behindATrustedProxyTheClientIsTheLastUntrustedHopNotWhatItClaimedFirst() {
		// The client wrote 1.1.1.1 itself; the edge appended what it saw, 198.51.100.7.
		ServerWebExchange seen = filter(List.of("10.0.0.0/8"), MockServerHttpRequest.get("/api/v1/products")
			.remoteAddress(EDGE)
			.header("X-Forwarded-For", "1.1.1.1, 198.51.100.7"));

		assertThat(seen.getRequest().getRemoteAddress().getAddress().getHostAddress()).isEqualTo("198.51.100.7");
		assertThat(seen.getRequest().getHeaders().get("X-Forwarded-For")).as("the client as resolved, for the services")
			.containsExactly("198.51.100.7");
	}

	@Test
	void severalTrustedProxiesInARowAreSkipped() {
		ServerWebExchange seen = filter(List.of("10.0.0.0/8", "2001:db8::/32"), MockServerHttpRequest.get("/")
			.remoteAddress(EDGE)
			.header("X-Forwarded-For", "2001:db8:ffff::1")
			.header("X-Forwarded-For", "192.0.2.44, 10.1.2.3, [2001:db8::7]"));

		assertThat(seen.getRequest().getRemoteAddress().getAddress().getHostAddress()).isEqualTo("192.0.2.44");
	}

	@Test
	void whatATrustedProxyForwardsThatIsNoAddressIsNotLookedUpAndTheProxyStands() {
		ServerWebExchange seen = filter(List.of("10.0.0.0/8"), MockServerHttpRequest.get("/")
			.remoteAddress(EDGE)
			.header("X-Forwarded-For", "evil.example.com, unknown"));

		assertThat(seen.getRequest().getRemoteAddress()).isEqualTo(EDGE);
	}

	@Test
	void trustedProxiesAreAddressRanges() {
		assertThat(ClientAddressProperties.range("127.0.0.1").matches(new InetSocketAddress("127.0.0.1", 1))).isTrue();
		assertThat(ClientAddressProperties.range("::1/128").matches(new InetSocketAddress("::1", 1))).isTrue();
		assertThat(ClientAddressProperties.range("10.0.0.0/8").matches(new InetSocketAddress("11.0.0.1", 1))).isFalse();
		assertThatIllegalArgumentException().isThrownBy(() -> new ClientAddressProperties(List.of("proxy.example")));
		assertThatIllegalArgumentException().isThrownBy(() -> new ClientAddressProperties(List.of("10.0.0.0/33")));
	}

	private static ServerWebExchange filter(List<String> trusted, MockServerHttpRequest.BaseBuilder<?> request) {
		MockEnvironment environment = new MockEnvironment();
		for (int i = 0; i < trusted.size(); i++) {
			environment.setProperty("keel.gateway.trusted-proxies[" + i + "]", trusted.get(i));
		}
		ClientAddressFilter filter = new ClientAddressFilter(new LiveProperties(environment));
		AtomicReference<ServerWebExchange> seen = new AtomicReference<>();
		filter.filter(MockServerWebExchange.from(request), (exchange) -> {
			seen.set(exchange);
			return Mono.empty();
		}).block();
		return seen.get();
	}

}
