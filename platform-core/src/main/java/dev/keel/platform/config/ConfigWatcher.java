package dev.keel.platform.config;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.cloud.config.client.ConfigClientProperties;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Live reload without extra infrastructure: polls config-server for this application's configuration and,
 * when what it serves has changed (a new commit, or a saved file in the local run), refreshes the context:
 * {@code @ConfigurationProperties} beans are rebound, refresh-scoped beans (Resilience4j's registries, the
 * gateway's routes) rebuilt, and {@link LiveProperties} bound again. The DataSource is never rebuilt
 * ({@code spring.cloud.refresh.never-refreshable}).
 * <p>
 * While config-server is unreachable the process keeps the configuration it has, and picks up whatever
 * changed once config-server answers again.
 */
public class ConfigWatcher implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

	private final ConfigClientProperties client;

	private final ContextRefresher refresher;

	private final Environment environment;

	private final Duration interval;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private ScheduledExecutorService poller;

	private volatile String lastSeen;

	private volatile boolean unreachable;

	public ConfigWatcher(ConfigClientProperties client, ContextRefresher refresher, Environment environment,
			Duration interval) {
		this.client = client;
		this.refresher = refresher;
		this.environment = environment;
		this.interval = interval;
	}

	/**
	 * Fetches what config-server serves this application now and refreshes if it changed since last time.
	 * @return the keys that changed, empty if nothing did or config-server could not be reached
	 */
	Set<String> poll() {
		String served;
		try {
			HttpResponse<String> response = this.http.send(request(), HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() != 200) {
				throw new IllegalStateException("config-server answered " + response.statusCode());
			}
			served = fingerprint(response.body());
		}
		catch (Exception ex) {
			if (!this.unreachable) {
				this.unreachable = true;
				log.warn("config-server unreachable, keeping the current configuration: {}", ex.toString());
			}
			return Set.of();
		}
		if (this.unreachable) {
			this.unreachable = false;
			log.info("config-server reachable again");
		}
		String previous = this.lastSeen;
		this.lastSeen = served;
		if (previous == null || previous.equals(served)) {
			return Set.of();
		}
		Set<String> changed = this.refresher.refresh();
		log.info("Configuration refreshed from config-server; changed: {}", changed);
		return changed;
	}

	private HttpRequest request() {
		String uri = this.client.getUri()[0].replaceAll("/+$", "");
		String name = StringUtils.hasText(this.client.getName()) ? this.client.getName()
				: this.environment.getProperty("spring.application.name", "application");
		String[] active = this.environment.getActiveProfiles();
		String profiles = (active.length > 0) ? String.join(",", active) : "default";
		String label = StringUtils.hasText(this.client.getLabel()) ? "/" + this.client.getLabel() : "";
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri + "/" + name + "/" + profiles + label))
			.header("Accept", "application/json")
			.timeout(Duration.ofSeconds(5));
		if (StringUtils.hasText(this.client.getUsername())) {
			String credentials = this.client.getUsername() + ":" + this.client.getPassword();
			request.header("Authorization",
					"Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
		}
		return request.GET().build();
	}

	private static String fingerprint(String body) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void pollSafely() {
		try {
			poll();
		}
		catch (RuntimeException ex) {
			// A refresh that fails (say, a secret that no longer decrypts) leaves the current configuration.
			log.error("Configuration refresh failed, keeping the current configuration", ex);
		}
	}

	@Override
	public void start() {
		this.poller = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "config-watcher");
			thread.setDaemon(true);
			return thread;
		});
		long millis = this.interval.toMillis();
		this.poller.scheduleWithFixedDelay(this::pollSafely, 0, millis, TimeUnit.MILLISECONDS);
	}

	@Override
	public void stop() {
		if (this.poller != null) {
			this.poller.shutdownNow();
			this.poller = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.poller != null;
	}

}
