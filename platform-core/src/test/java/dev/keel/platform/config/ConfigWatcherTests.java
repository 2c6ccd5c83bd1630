package dev.keel.platform.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.config.client.ConfigClientProperties;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * The watcher against a real HTTP endpoint standing in for config-server; the refresh itself is Spring
 * Cloud's and not what is tested here.
 */
class ConfigWatcherTests {

	private final AtomicReference<String> served = new AtomicReference<>("{\"version\":\"a\",\"propertySources\":[]}");

	private final AtomicReference<String> lastPath = new AtomicReference<>();

	private final AtomicReference<String> lastAuthorization = new AtomicReference<>();

	private final AtomicInteger status = new AtomicInteger(200);

	private final ContextRefresher refresher = mock(ContextRefresher.class);

	private HttpServer server;

	private ConfigWatcher watcher;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", (exchange) -> {
			this.lastPath.set(exchange.getRequestURI().getPath());
			this.lastAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
			byte[] body = this.served.get().getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(this.status.get(), body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		this.server.start();
		MockEnvironment environment = new MockEnvironment().withProperty("spring.application.name", "order-service");
		environment.setActiveProfiles("local", "dev");
		ConfigClientProperties client = new ConfigClientProperties(environment);
		client.setUri(new String[] { "http://127.0.0.1:" + this.server.getAddress().getPort() });
		client.setUsername("config-client");
		client.setPassword("secret");
		this.watcher = new ConfigWatcher(client, this.refresher, environment, Duration.ofSeconds(60));
		given(this.refresher.refresh()).willReturn(Set.of("orders.max-lines-per-order"));
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	@Test
	void refreshesOnlyWhenWhatConfigServerServesChanges() {
		assertThat(this.watcher.poll()).as("the first look only remembers").isEmpty();
		assertThat(this.watcher.poll()).isEmpty();
		verify(this.refresher, never()).refresh();

		this.served.set("{\"version\":\"b\",\"propertySources\":[]}");

		assertThat(this.watcher.poll()).containsExactly("orders.max-lines-per-order");
		verify(this.refresher, times(1)).refresh();
		assertThat(this.lastPath.get()).isEqualTo("/order-service/local,dev");
		assertThat(this.lastAuthorization.get()).startsWith("Basic ");
	}

	@Test
	void keepsTheConfigurationWhileConfigServerIsDownAndCatchesUpAfter() {
		this.watcher.poll();
		this.status.set(503);
		this.served.set("{\"version\":\"c\",\"propertySources\":[]}");

		assertThat(this.watcher.poll()).isEmpty();
		verify(this.refresher, never()).refresh();

		this.status.set(200);
		this.served.set("{\"version\":\"d\",\"propertySources\":[]}");
		assertThat(this.watcher.poll()).isNotEmpty();
		verify(this.refresher, times(1)).refresh();
	}

}
