package dev.keel.platform.discovery;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * What nacos mode checks and does before a process takes traffic.
 * <ul>
 * <li>The namespace exists: Nacos accepts registrations into any namespace id, so a misspelled NACOS_NAMESPACE
 * would register the process where no caller looks, silently. Checked through the admin API where the account may
 * read it; a warning where it may not.</li>
 * <li>The services this process calls (its gateway routes' {@code lb://} services, its {@code keel.clients}) are
 * looked up once, which subscribes the Nacos client to them: from then on it keeps their instances current from
 * pushes, and falls back to them if Nacos goes away. A process that first looked a service up during a registry
 * outage would have nothing to fall back to.</li>
 * </ul>
 * Spring Cloud Alibaba has neither; both take a few lines of its public HTTP API and of Spring Cloud's
 * {@link DiscoveryClient}.
 */
class NacosStartup implements SmartInitializingSingleton, ApplicationListener<ApplicationStartedEvent> {

	private static final Logger log = LoggerFactory.getLogger(NacosStartup.class);

	private static final Pattern ACCESS_TOKEN = Pattern.compile("\"accessToken\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*(\\d+)");

	/** Nacos' answer for a namespace it does not have. */
	private static final String NAMESPACE_NOT_FOUND = "22001";

	private final Environment environment;

	private final ObjectProvider<DiscoveryClient> discovery;

	NacosStartup(Environment environment, ObjectProvider<DiscoveryClient> discovery) {
		this.environment = environment;
		this.discovery = discovery;
	}

	/** Before the web server starts, and so before Spring Cloud Alibaba registers. */
	@Override
	public void afterSingletonsInstantiated() {
		String namespace = this.environment.getProperty("spring.cloud.nacos.discovery.namespace", "");
		if (namespace.isBlank() || namespace.equals("public")) {
			return;
		}
		String server = "http://" + this.environment.getProperty("spring.cloud.nacos.discovery.server-addr", "localhost:8848")
			.split(",")[0]
			.strip() + "/nacos";
		// Used once, here: not a field, whose selector thread would outlive the check for the life of the process.
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
		String answer;
		try {
			String token = token(http, server);
			if (token == null && !this.environment.getProperty("spring.cloud.nacos.discovery.password", "").isBlank()) {
				log.warn("Could not log in to Nacos at {} to check that namespace '{}' exists; registering anyway",
						server, namespace);
				return;
			}
			answer = get(http, server + "/v3/admin/core/namespace?namespaceId=" + encode(namespace), token);
		}
		catch (IOException ex) {
			log.warn("Could not check that Nacos namespace '{}' exists ({}); registering anyway", namespace,
					ex.getMessage());
			return;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return;
		}
		Matcher code = CODE.matcher(answer);
		if (code.find() && code.group(1).equals(NAMESPACE_NOT_FOUND)) {
			throw new IllegalStateException("Nacos at " + server + " has no namespace '" + namespace
					+ "' (spring.cloud.nacos.discovery.namespace, NACOS_NAMESPACE): create it (deploy/nacos/init.sh "
					+ "does) or fix the name; registering there would hide this instance from every caller");
		}
		if (!answer.contains("\"code\":0")) {
			log.warn("Could not check that Nacos namespace '{}' exists (the account may not read namespaces); "
					+ "registering anyway", namespace);
		}
	}

	@Override
	public void onApplicationEvent(ApplicationStartedEvent event) {
		DiscoveryClient discovery = this.discovery.getIfAvailable();
		if (discovery == null) {
			return;
		}
		for (String service : calledServices(this.environment)) {
			try {
				int instances = discovery.getInstances(service).size();
				log.info("Subscribed to {} in Nacos: {} instance(s) now", service, instances);
			}
			catch (RuntimeException ex) {
				log.warn("Could not look up {} in Nacos yet; the first call will", service, ex);
			}
		}
	}

	/** The gateway routes' lb:// services and the keel.clients this process has. */
	static Set<String> calledServices(Environment environment) {
		Binder binder = Binder.get(environment);
		Set<String> services = new TreeSet<>(
				binder.bind("keel.clients", Bindable.mapOf(String.class, Object.class)).orElse(Map.of()).keySet());
		for (Route route : binder.bind("spring.cloud.gateway.server.webflux.routes", Bindable.listOf(Route.class))
			.orElse(List.of())) {
			if (route.uri() != null && route.uri().startsWith("lb://")) {
				// Not URI.getHost(): service ids may hold what host names may not (an underscore).
				services.add(route.uri().substring("lb://".length()).split("[/?#]", 2)[0]);
			}
		}
		return services;
	}

	/** A token for the account the process registers as, or none where Nacos runs without authentication. */
	private String token(HttpClient http, String server) throws IOException, InterruptedException {
		String username = this.environment.getProperty("spring.cloud.nacos.discovery.username", "");
		String password = this.environment.getProperty("spring.cloud.nacos.discovery.password", "");
		if (username.isBlank() || password.isBlank()) {
			return null;
		}
		HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(server + "/v3/auth/user/login"))
			.timeout(Duration.ofSeconds(5))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers
				.ofString("username=" + encode(username) + "&password=" + encode(password)))
			.build(), HttpResponse.BodyHandlers.ofString());
		Matcher token = ACCESS_TOKEN.matcher(login.body());
		return token.find() ? token.group(1) : null;
	}

	private static String get(HttpClient http, String url, String token) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
		if (token != null) {
			request.header("accessToken", token);
		}
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
	}

	/** The part of a gateway route that names where it goes. */
	record Route(String uri) {
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

}
