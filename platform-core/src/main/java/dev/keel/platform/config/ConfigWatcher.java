package dev.keel.platform.config;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.json.JsonParserFactory;
import org.springframework.cloud.config.client.ConfigClientProperties;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.util.StringUtils;

/**
 * Live reload without extra infrastructure: polls config-server for this application's configuration and,
 * when what it serves differs from what the process runs on, refreshes the context:
 * {@code @ConfigurationProperties} beans are rebound, refresh-scoped beans rebuilt, and {@link LiveProperties}
 * bound again. The DataSource is never rebuilt ({@code spring.cloud.refresh.never-refreshable}).
 * <p>
 * "What the process runs on" is read from the environment itself (the config client's
 * {@code configserver:<source>} property sources), never remembered from an earlier poll: a commit counts as
 * applied only once its values are in the environment. So a refresh that failed, or that was answered by
 * another config-server replica still on the previous commit, is simply tried again at the next poll, and a
 * commit made while the process started is applied at the first. A commit that changes nothing this
 * application reads (another service's file) causes no refresh at all.
 * <p>
 * While config-server is unreachable the process keeps the configuration it has, and picks up whatever
 * changed once config-server answers again. Failing refreshes are retried with a growing pause (up to a
 * minute), logged once per served configuration, and visible as {@code keel.config.pending}.
 */
public class ConfigWatcher implements SmartLifecycle {

	/** How the config client names the property source of each source config-server serves. */
	static final String SOURCE_PREFIX = "configserver:";

	private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

	private static final Duration LONGEST_PAUSE = Duration.ofMinutes(1);

	private final ConfigClientProperties client;

	private final ContextRefresher refresher;

	private final ConfigurableEnvironment environment;

	private final Duration interval;

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private volatile ScheduledExecutorService poller;

	private volatile boolean unreachable;

	private volatile boolean pending;

	/** The served configuration whose refresh last failed, so that its failure is logged once. */
	private volatile String failedToApply;

	private int failuresInARow;

	private long nextAttemptAt;

	public ConfigWatcher(ConfigClientProperties client, ContextRefresher refresher, ConfigurableEnvironment environment,
			Duration interval) {
		this.client = client;
		this.refresher = refresher;
		this.environment = environment;
		this.interval = interval;
	}

	/**
	 * Fetches what config-server serves this application now and refreshes if the environment does not hold it.
	 * @return the keys that changed, empty if nothing did or config-server could not be reached
	 * @throws RuntimeException when the refresh itself failed; the next poll tries again
	 */
	Set<String> poll() {
		List<Source> served;
		try {
			HttpResponse<String> response = this.http.send(request(), HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() != 200) {
				throw new IllegalStateException("config-server answered " + response.statusCode());
			}
			served = sources(response.body());
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
		if (applied(served)) {
			this.pending = false;
			return Set.of();
		}
		this.pending = true;
		Set<String> changed = this.refresher.refresh();
		if (applied(served)) {
			this.pending = false;
			log.info("Configuration refreshed from config-server; changed: {}", changed);
		}
		else {
			// Answered by a replica that has not fetched the commit yet, or config-server went away meanwhile.
			log.info("Configuration refresh did not bring what config-server served; trying again at the next poll");
		}
		return changed;
	}

	/** Whether the environment holds every source config-server served, with the same values. */
	private boolean applied(List<Source> served) {
		for (Source source : served) {
			PropertySource<?> running = this.environment.getPropertySources().get(SOURCE_PREFIX + source.name());
			if (running == null && source.values().isEmpty()) {
				continue;
			}
			if (!(running instanceof EnumerablePropertySource<?> enumerable)
					|| !Set.of(enumerable.getPropertyNames()).equals(source.values().keySet())) {
				return false;
			}
			for (Map.Entry<String, Object> value : source.values().entrySet()) {
				if (!Objects.equals(String.valueOf(enumerable.getProperty(value.getKey())),
						String.valueOf(value.getValue()))) {
					return false;
				}
			}
		}
		return true;
	}

	@SuppressWarnings("unchecked")
	private static List<Source> sources(String body) {
		Map<String, Object> environment = JsonParserFactory.getJsonParser().parseMap(body);
		List<Map<String, Object>> sources = (List<Map<String, Object>>) environment.getOrDefault("propertySources",
				List.of());
		return sources.stream()
			.map((source) -> new Source(String.valueOf(source.get("name")),
					(Map<String, Object>) source.getOrDefault("source", Map.of())))
			.toList();
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

	/** Whether config-server serves a configuration this process has not applied (yet). */
	public boolean isPending() {
		return this.pending;
	}

	private void pollOnSchedule() {
		if (System.nanoTime() - this.nextAttemptAt < 0) {
			return;
		}
		try {
			poll();
			this.failuresInARow = 0;
			this.failedToApply = null;
		}
		catch (RuntimeException ex) {
			// A refresh that fails (say, a secret that no longer decrypts) leaves the current configuration.
			this.failuresInARow++;
			long pause = Math.min(LONGEST_PAUSE.toNanos(),
					this.interval.toNanos() << Math.min(this.failuresInARow, 10));
			this.nextAttemptAt = System.nanoTime() + pause;
			String reason = String.valueOf(ex.getMessage());
			if (!reason.equals(this.failedToApply)) {
				this.failedToApply = reason;
				log.error("Configuration refresh failed, keeping the current configuration; retrying", ex);
			}
			else {
				log.debug("Configuration refresh failed again: {}", reason);
			}
		}
	}

	@Override
	public void start() {
		ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "config-watcher");
			thread.setDaemon(true);
			return thread;
		});
		long millis = this.interval.toMillis();
		poller.scheduleWithFixedDelay(this::pollOnSchedule, 0, millis, TimeUnit.MILLISECONDS);
		this.poller = poller;
	}

	@Override
	public void stop() {
		ScheduledExecutorService poller = this.poller;
		if (poller != null) {
			poller.shutdownNow();
			this.poller = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.poller != null;
	}

	/** One source config-server serves: its name and its values. */
	private record Source(String name, Map<String, Object> values) {
	}

}
