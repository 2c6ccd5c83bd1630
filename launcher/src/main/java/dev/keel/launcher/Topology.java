package dev.keel.launcher;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The platform as the launcher runs it with a number of replicas: which processes, in which order, on which
 * ports, with which environment, and how to tell each is ready.
 */
final class Topology {

	/** How the processes find each other. */
	enum Discovery {

		/** A fixed list of every instance, given to every process (Spring Cloud's simple discovery). */
		LOCAL,

		/** Each instance registers in the Nacos at NACOS_SERVER_ADDR; callers look it up there. */
		NACOS;

		static Discovery parse(String value) {
			return switch (value) {
				case "local" -> LOCAL;
				case "nacos" -> NACOS;
				default -> throw new UsageException("--discovery is local or nacos, not '" + value + "'");
			};
		}

		String label() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * What ./platform up was asked for: replicas per service, discovery, and how many gateways run behind an edge
	 * (0: one gateway on the public port, no edge).
	 */
	record Layout(int replicas, Discovery discovery, int gateways) {

		Layout(int replicas, Discovery discovery) {
			this(replicas, discovery, 0);
		}

		boolean edge() {
			return this.gateways > 0;
		}

	}

	private static final String NACOS_REGISTERED_IP = "127.0.0.1";

	private final Settings settings;

	private final Layout layout;

	Topology(Settings settings, Layout layout) {
		this.settings = settings;
		this.layout = layout;
	}

	int replicas() {
		return this.layout.replicas();
	}

	Discovery discovery() {
		return this.layout.discovery();
	}

	boolean edge() {
		return this.layout.edge();
	}

	/** The host callers know an instance by: the simple discovery list's, or the address it registers in Nacos. */
	String discoveredHost() {
		return (discovery() == Discovery.NACOS) ? NACOS_REGISTERED_IP : "localhost";
	}

	/**
	 * Every process, in the order they start: database, config-server, the domain services, the gateways, the
	 * edge.
	 */
	List<Instance> instances() {
		List<Instance> instances = new ArrayList<>(List.of(Instance.DB, Instance.CONFIG_SERVER));
		instances.addAll(serviceInstances());
		instances.addAll(front());
		return instances;
	}

	/** What takes the public traffic: the gateway, or the gateways and the edge in front of them. */
	List<Instance> front() {
		List<Instance> front = new ArrayList<>(gateways());
		if (edge()) {
			front.add(Instance.EDGE);
		}
		return front;
	}

	/** The gateway, or the gateways behind the edge ({@code gateway-service#1}, ...). */
	List<Instance> gateways() {
		if (!edge()) {
			return List.of(Instance.GATEWAY);
		}
		List<Instance> gateways = new ArrayList<>();
		for (int replica = 1; replica <= this.layout.gateways(); replica++) {
			gateways.add(new Instance(Instance.GATEWAY.application(), replica));
		}
		return gateways;
	}

	/** The instance a user's name means here: {@code gateway-service} is the first gateway behind an edge. */
	Instance resolve(Instance named) {
		return (edge() && named.equals(Instance.GATEWAY)) ? gateways().get(0) : named;
	}

	List<Instance> serviceInstances() {
		List<Instance> instances = new ArrayList<>();
		for (String service : Services.names()) {
			instances.addAll(instancesOf(service));
		}
		return instances;
	}

	List<Instance> instancesOf(String service) {
		List<Instance> instances = new ArrayList<>();
		for (int replica = 1; replica <= Services.instances(service, replicas()); replica++) {
			instances.add(new Instance(service, replica));
		}
		return instances;
	}

	/**
	 * The port it takes traffic on. The public port is the gateway's, or the edge's (HTTP; HTTPS on
	 * {@code KEEL_HTTPS_PORT}); gateway i behind the edge listens on the public port + 100 * i.
	 */
	int port(Instance instance) {
		Settings.Ports ports = this.settings.ports();
		return switch (instance.application()) {
			case "db" -> ports.db();
			case "config-server" -> ports.config();
			case "edge" -> ports.gateway();
			case "gateway-service" -> ports.gateway() + 100 * instance.replica();
			default -> ports.of(instance.application()).api() + 100 * (instance.replica() - 1);
		};
	}

	/**
	 * Actuator's port: a port of its own but for config-server, which serves configuration and probes only. The
	 * edge's is its status page (Nginx's stub_status, for Prometheus).
	 */
	int managementPort(Instance instance) {
		Settings.Ports ports = this.settings.ports();
		return switch (instance.application()) {
			case "db", "config-server" -> port(instance);
			case "edge" -> ports.gatewayManagement();
			case "gateway-service" -> ports.gatewayManagement() + 100 * instance.replica();
			default -> ports.of(instance.application()).management() + 100 * (instance.replica() - 1);
		};
	}

	/** Where readiness is asked: {@code /readyz} on the port traffic goes to, as load balancers ask it. */
	URI readiness(Instance instance) {
		if (instance.equals(Instance.EDGE)) {
			return URI.create("http://127.0.0.1:" + managementPort(instance) + "/readyz");
		}
		String path = instance.equals(Instance.CONFIG_SERVER) ? "/actuator/health/readiness" : "/readyz";
		return URI.create("http://127.0.0.1:" + port(instance) + path);
	}

	/** The module whose jar it runs (not the edge's: it runs Nginx, and up builds nothing for it). */
	String module(Instance instance) {
		return instance.equals(Instance.DB) ? "local-db" : instance.application();
	}

	/** What it runs with, on top of the launcher's own environment. */
	Map<String, String> environment(Instance instance, Passwords passwords) {
		Map<String, String> environment = new LinkedHashMap<>();
		if (instance.equals(Instance.DB)) {
			environment.put("KEEL_DB_PORT", String.valueOf(port(instance)));
			environment.put("KEEL_DB_HOME", this.settings.state().resolve("mariadb").toString());
			return environment;
		}
		environment.put("PORT", String.valueOf(port(instance)));
		environment.put("KEEL_INSTANCE", instance.name());
		environment.put("KEEL_ENVIRONMENT", this.settings.environmentName());
		if (instance.equals(Instance.CONFIG_SERVER)) {
			environment.put("SERVER_ADDRESS", "127.0.0.1");
			for (String application : clientsOfConfigServer()) {
				environment.put(configServerPasswordVariable(application), passwords.of(application));
			}
			if (this.settings.configRepo() != null) {
				// Git, as everywhere but the local run: a clone of the repository, never its working copy.
				environment.put("SPRING_PROFILES_ACTIVE", "");
				environment.put("CONFIG_REPO_URI", this.settings.configRepo());
				environment.put("CONFIG_REPO_LABEL", this.settings.configLabel());
				environment.put("CONFIG_REPO_CLONE_DIR", this.settings.state().resolve("config-clone").toString());
			}
			else {
				environment.put("SPRING_PROFILES_ACTIVE", this.settings.profiles());
				environment.put("KEEL_CONFIG_REPO_DIR", this.settings.root().resolve("config-repo").toString());
			}
			return environment;
		}
		environment.put("MANAGEMENT_PORT", String.valueOf(managementPort(instance)));
		environment.put("SPRING_PROFILES_ACTIVE", this.settings.profiles());
		environment.put("CONFIG_SERVER_URL", "http://localhost:" + this.settings.ports().config());
		environment.put("CONFIG_SERVER_USERNAME", instance.application());
		environment.put("CONFIG_SERVER_PASSWORD", passwords.of(instance.application()));
		environment.put("DB_PORT", String.valueOf(this.settings.ports().db()));
		environment.put("KEEL_ISSUER", issuer().toString());
		// Verifiers fetch the keys from auth-service itself, as in compose and Kubernetes: not through the gateway,
		// whose per-address sign-in limit a busy machine's own sign-ins could spend.
		String auth = "http://127.0.0.1:" + port(new Instance(Services.AUTH_SERVICE, 1));
		environment.put("KEEL_JWK_SET_URI", auth + "/oauth2/jwks");
		environment.put("KEEL_TOKEN_URI", auth + "/oauth2/token");
		if (instance.application().equals(Services.AUTH_SERVICE)) {
			// config-repo/auth-service-dev.yml: the key tokens are signed with and the seeded accounts' passwords;
			// auth-service.yml: the confidential clients' secrets.
			environment.put("KEEL_AUTH_SIGNING_KEY", passwords.signingKey());
			for (String account : Passwords.ACCOUNTS) {
				environment.put("KEEL_ACCOUNT_PASSWORD_" + account.toUpperCase(Locale.ROOT), passwords.account(account));
			}
			for (String caller : Services.CALLERS) {
				environment.put(Services.clientSecretSetting(caller), passwords.clientSecret(caller));
			}
			environment.put(Services.clientSecretSetting(Services.WEB_APP), passwords.clientSecret(Services.WEB_APP));
		}
		if (Services.CALLERS.contains(instance.application())) {
			environment.put("KEEL_CLIENT_SECRET", passwords.clientSecret(instance.application()));
		}
		if (discovery() == Discovery.NACOS) {
			// The local profile switches Nacos off; environment variables outrank config-repo. Loopback, as
			// everything here binds: Nacos would otherwise register the first non-loopback address.
			environment.put("SPRING_CLOUD_NACOS_DISCOVERY_ENABLED", "true");
			// Those of the start, for a restart from a shell that has none; one that sets its own wins.
			Nacos.saved(this.settings.run()).forEach((name, value) -> {
				if (System.getenv(name) == null) {
					environment.put(name, value);
				}
			});
			environment.put("NACOS_DISCOVERY_IP", NACOS_REGISTERED_IP);
		}
		else {
			environment.put("SPRING_APPLICATION_JSON", discoveryJson());
		}
		return environment;
	}

	/**
	 * The issuer of tokens: the public entry, which routes sign-in and the keys to auth-service, so that redirects
	 * and the tokens' {@code iss} name the address clients use.
	 */
	URI issuer() {
		return URI.create("http://localhost:" + this.settings.ports().gateway());
	}

	/** Every application that reads configuration, each with its own config-server account. */
	static List<String> clientsOfConfigServer() {
		List<String> applications = new ArrayList<>(List.of(Instance.GATEWAY.application()));
		applications.addAll(Services.names());
		return applications;
	}

	/** user-service -> CONFIG_SERVER_PASSWORD_USER_SERVICE */
	static String configServerPasswordVariable(String application) {
		return "CONFIG_SERVER_PASSWORD_" + application.replace('-', '_').toUpperCase(Locale.ROOT);
	}

	/**
	 * Spring Cloud's simple discovery, listing every instance of every domain service, so that every process
	 * knows every replica (the local run's stand-in for Nacos, on the same load-balancer path).
	 */
	String discoveryJson() {
		StringBuilder instances = new StringBuilder();
		for (String service : Services.names()) {
			if (!instances.isEmpty()) {
				instances.append(',');
			}
			instances.append('"').append(service).append("\":[");
			List<Instance> replicas = instancesOf(service);
			for (int i = 0; i < replicas.size(); i++) {
				Instance instance = replicas.get(i);
				instances.append((i > 0) ? "," : "")
					.append("{\"uri\":\"http://localhost:")
					.append(port(instance))
					.append("\",\"instanceId\":\"")
					.append(instance.fileName())
					.append("\"}");
			}
			instances.append(']');
		}
		return "{\"spring\":{\"cloud\":{\"discovery\":{\"client\":{\"simple\":{\"instances\":{" + instances + "}}}}}}}";
	}

}
