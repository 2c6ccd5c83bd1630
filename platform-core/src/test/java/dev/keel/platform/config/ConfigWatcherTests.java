package dev.keel.platform.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.config.client.ConfigClientProperties;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.BDDMockito.willThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * The watcher against a real HTTP endpoint standing in for config-server, and a refresh that does what Spring
 * Cloud's does to the environment: replaces the {@code configserver:} property sources with what a
 * config-server replica serves.
 */
class ConfigWatcherTests {

	private static final String SOURCE = "file:/config-repo/order-service.yml";

	/** What the polled config-server serves. */
	private final AtomicReference<String> served = new AtomicReference<>(configuration("50"));

	/** What the refresh gets, from the same replica unless a test says otherwise. */
	private final AtomicReference<String> refreshedFrom = new AtomicReference<>();

	private final AtomicReference<String> lastPath = new AtomicReference<>();

	private final AtomicReference<String> lastAuthorization = new AtomicReference<>();

	private final AtomicInteger status = new AtomicInteger(200);

	private final ContextRefresher refresher = mock(ContextRefresher.class);

	private final StandardEnvironment environment = new StandardEnvironment();

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
		this.environment.getPropertySources()
			.addFirst(new MapPropertySource("application", Map.of("spring.application.name", "order-service")));
		this.environment.setActiveProfiles("local", "dev");
		apply("50");
		willAnswer((invocation) -> {
			String from = (this.refreshedFrom.get() != null) ? this.refreshedFrom.get() : this.served.get();
			apply(from.equals(configuration("2")) ? "2" : "50");
			return Set.of("orders.max-lines-per-order");
		}).given(this.refresher).refresh();
		ConfigClientProperties client = new ConfigClientProperties(this.environment);
		client.setUri(new String[] { "http://127.0.0.1:" + this.server.getAddress().getPort() });
		client.setUsername("order-service");
		client.setPassword("secret");
		this.watcher = new ConfigWatcher(client, this.refresher, this.environment, Duration.ofSeconds(60));
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	@Test
	void refreshesOnlyWhenWhatConfigServerServesIsNotWhatTheProcessRunsOn() {
		assertThat(this.watcher.poll()).isEmpty();
		assertThat(this.watcher.poll()).isEmpty();
		verify(this.refresher, never()).refresh();

		this.served.set(configuration("2"));

		assertThat(this.watcher.poll()).containsExactly("orders.max-lines-per-order");
		assertThat(this.environment.getProperty("orders.max-lines-per-order")).isEqualTo("2");
		assertThat(this.watcher.poll()).isEmpty();
		verify(this.refresher, times(1)).refresh();
		assertThat(this.lastPath.get()).isEqualTo("/order-service/local,dev");
		assertThat(this.lastAuthorization.get()).startsWith("Basic ");
	}

	@Test
	void aCommitMadeWhileTheProcessStartedIsAppliedAtTheFirstPoll() {
		this.served.set(configuration("2"));

		this.watcher.poll();

		assertThat(this.environment.getProperty("orders.max-lines-per-order")).isEqualTo("2");
	}

	@Test
	void aRefreshAnsweredByAReplicaStillOnTheOldCommitIsTriedAgain() {
		this.served.set(configuration("2"));
		this.refreshedFrom.set(configuration("50"));

		this.watcher.poll();
		assertThat(this.environment.getProperty("orders.max-lines-per-order")).isEqualTo("50");
		assertThat(this.watcher.isPending()).isTrue();

		this.refreshedFrom.set(null);
		this.watcher.poll();
		assertThat(this.environment.getProperty("orders.max-lines-per-order")).isEqualTo("2");
		assertThat(this.watcher.isPending()).isFalse();
		verify(this.refresher, times(2)).refresh();
	}

	@Test
	void aRefreshThatFailedIsTriedAgain() {
		this.served.set(configuration("2"));
		willThrow(new IllegalStateException("Encrypted configuration could not be decrypted")).given(this.refresher)
			.refresh();

		assertThatIllegalStateException().isThrownBy(this.watcher::poll);
		assertThat(this.watcher.isPending()).isTrue();
		assertThat(this.environment.getProperty("orders.max-lines-per-order")).isEqualTo("50");

		willAnswer((invocation) -> {
			apply("2");
			return Set.of("orders.max-lines-per-order");
		}).given(this.refresher).refresh();
		assertThat(this.watcher.poll()).containsExactly("orders.max-lines-per-order");
		assertThat(this.watcher.isPending()).isFalse();
	}

	@Test
	void aCommitThatChangesNothingThisApplicationReadsCausesNoRefresh() {
		this.served.set(configuration("50").replace("\"version\":\"a\"", "\"version\":\"b\""));

		assertThat(this.watcher.poll()).isEmpty();

		verify(this.refresher, never()).refresh();
	}

	@Test
	void keepsTheConfigurationWhileConfigServerIsDownAndCatchesUpAfter() {
		this.status.set(503);
		this.served.set(configuration("2"));

		assertThat(this.watcher.poll()).isEmpty();
		verify(this.refresher, never()).refresh();

		this.status.set(200);
		assertThat(this.watcher.poll()).isNotEmpty();
		assertThat(this.environment.getProperty("orders.max-lines-per-order")).isEqualTo("2");
	}

	/** What the config client puts in the environment for a configuration: a source per served source. */
	private void apply(String maxLines) {
		MapPropertySource source = new MapPropertySource(ConfigWatcher.SOURCE_PREFIX + SOURCE,
				Map.of("orders.max-lines-per-order", maxLines, "orders.reserve-in-sku-order", false));
		if (this.environment.getPropertySources().contains(source.getName())) {
			this.environment.getPropertySources().replace(source.getName(), source);
		}
		else {
			this.environment.getPropertySources().addLast(source);
		}
	}

	private static String configuration(String maxLines) {
		return """
				{"name":"order-service","profiles":["local","dev"],"version":"a","propertySources":[
				  {"name":"%s","source":{"orders.max-lines-per-order":%s,"orders.reserve-in-sku-order":false}}]}
				""".formatted(SOURCE, maxLines);
	}

}
