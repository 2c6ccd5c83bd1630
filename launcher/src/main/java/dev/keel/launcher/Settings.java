package dev.keel.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the launcher is told by the environment: where its state lives, which profiles and JVM options the
 * processes get, how long they may take, and the base ports (replica i of a service listens on its base ports
 * + 100 * (i - 1)).
 *
 * @param root the project, whose config-repo/, modules and ./mvnw the launcher uses
 * @param state pid files, logs, passwords and the local database ({@code KEEL_STATE_DIR}, default .platform)
 * @param profiles the Spring profiles of every process ({@code KEEL_PROFILES}, default local,dev)
 * @param javaOptions JVM options of every process ({@code KEEL_JAVA_OPTS})
 * @param readyTimeout how long a process may take to be ready ({@code KEEL_READY_TIMEOUT}, seconds)
 * @param stopTimeout how long a process may take to stop before it is killed ({@code KEEL_STOP_TIMEOUT}, seconds)
 * @param restartSettle the pause between instances of a rolling restart ({@code KEEL_RESTART_SETTLE}, seconds)
 * @param parallelism processes started at once ({@code KEEL_START_PARALLELISM}, default the machine's cores)
 * @param classArchives whether applications start from a class archive, made by a training run after each build
 * ({@code KEEL_CLASS_ARCHIVES}, {@code on} by default; {@code off} starts them from their extracted jars)
 * @param ports the base ports ({@code KEEL_GATEWAY_PORT}, {@code KEEL_USER_PORT}, ..., {@code KEEL_PORT_OFFSET})
 * @param configRepo a Git repository config-server serves instead of the config-repo/ folder
 * ({@code KEEL_CONFIG_REPO}), and its label ({@code KEEL_CONFIG_LABEL}, default main)
 * <p>
 * Every process inherits the launcher's environment ({@code ENCRYPT_KEY} reaches config-server that way, and any
 * setting of the services themselves); what is listed here is set for each on top.
 */
record Settings(Path root, Path state, String profiles, List<String> javaOptions, Duration readyTimeout,
		Duration stopTimeout, Duration restartSettle, int parallelism, boolean classArchives, Ports ports,
		String configRepo, String configLabel) {

	/**
	 * Chosen from measurement (README "Measured: memory"): the services' live heap is 40-65 MB, so 128 MB is twice
	 * that; C1 alone because on a few cores shared by six JVMs C2's compiles compete with the load they would speed
	 * up (the contention benchmark placed more orders per second without them), and its code and compiler arenas
	 * cost about 60 MB a process. A JVM out of heap exits rather than serve half-broken, as in the image.
	 */
	static final String DEFAULT_JAVA_OPTIONS = "-XX:+UseSerialGC -Xms64m -Xmx128m -XX:MaxMetaspaceSize=192m -Xss512k -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError";

	/**
	 * The base ports of every process: the public entry's (the gateway's, or the edge's HTTP and HTTPS ports),
	 * config-server's, the database's, and each domain service's API and management ports.
	 */
	record Ports(int gateway, int https, int gatewayManagement, int config, int db, Map<String, ServicePorts> services) {

		/**
		 * Keeps the defaults (the highest, a ninth gateway's management port, is 9980) below 32768, where Linux
		 * starts handing ports out to outgoing connections: a listening port there can be taken at any moment.
		 */
		static final int MAX_OFFSET = 22000;

		/**
		 * Up to nine replicas of a service, and nine gateways behind the edge (./platform up --replicas, --gateways),
		 * each 100 ports above the one before.
		 */
		static final int MAX_INSTANCES = 9;

		/**
		 * The ports set one by one, the others at their defaults moved by {@code KEEL_PORT_OFFSET}: a second platform
		 * beside the first (the system tests') moves every process, services added since included, with one setting.
		 * A service's management port follows its API port (+1000) unless set itself.
		 */
		static Ports from(Map<String, String> environment) {
			int offset = number(environment, "KEEL_PORT_OFFSET", 0);
			if (offset < 0 || offset > MAX_OFFSET) {
				throw new UsageException("KEEL_PORT_OFFSET must be between 0 and " + MAX_OFFSET + ", not " + offset);
			}
			Map<String, ServicePorts> services = new LinkedHashMap<>();
			Services.DEFAULT_PORTS.forEach((service, fallback) -> {
				int port = port(environment, Services.portSetting(service, false), fallback + offset);
				int management = port(environment, Services.portSetting(service, true), port + 1000);
				reach(service + "'s ports, with its management port and " + MAX_INSTANCES + " replicas,",
						Math.max(port, management) + 100 * (MAX_INSTANCES - 1));
				services.put(service, new ServicePorts(port, management));
			});
			Ports ports = new Ports(port(environment, "KEEL_GATEWAY_PORT", 8080 + offset),
					port(environment, "KEEL_HTTPS_PORT", 8443 + offset),
					port(environment, "KEEL_GATEWAY_MANAGEMENT_PORT", 9080 + offset),
					port(environment, "KEEL_CONFIG_PORT", 8888 + offset), port(environment, "KEEL_DB_PORT", 3307 + offset),
					Map.copyOf(services));
			reach("the gateways' ports, with " + MAX_INSTANCES + " behind the edge,",
					Math.max(ports.gateway(), ports.gatewayManagement()) + 100 * MAX_INSTANCES);
			return ports;
		}

		/** Refuses ports whose furthest instance would be beyond 65535, rather than fail when it starts. */
		private static void reach(String what, int highest) {
			if (highest > 65535) {
				throw new UsageException(what + " would reach " + highest + ", beyond 65535");
			}
		}

		ServicePorts of(String service) {
			ServicePorts ports = this.services.get(service);
			if (ports == null) {
				throw new UsageException("unknown service '" + service + "' (services: "
						+ String.join(", ", Services.names()) + ")");
			}
			return ports;
		}

		/** The setting's port, or the default (which {@link #reach} checks with the instances above it). */
		private static int port(Map<String, String> environment, String name, int fallback) {
			int port = number(environment, name, fallback);
			if (port != fallback && (port < 1 || port > 65535)) {
				throw new UsageException(name + " must be a port number (1-65535), not " + port);
			}
			return port;
		}

	}

	/** A domain service's base ports; replica i listens on these + 100 * (i - 1). */
	record ServicePorts(int api, int management) {
	}

	static Settings from(Path root, Map<String, String> environment) {
		String javaOptions = environment.getOrDefault("KEEL_JAVA_OPTS", DEFAULT_JAVA_OPTIONS).strip();
		int cores = Runtime.getRuntime().availableProcessors();
		int parallelism = number(environment, "KEEL_START_PARALLELISM", cores);
		if (parallelism < 1) {
			throw new UsageException("KEEL_START_PARALLELISM must be at least 1");
		}
		String classArchives = environment.getOrDefault("KEEL_CLASS_ARCHIVES", "").strip();
		if (!List.of("", "on", "off").contains(classArchives)) {
			throw new UsageException("KEEL_CLASS_ARCHIVES must be on or off, not '" + classArchives + "'");
		}
		return new Settings(root, state(root, environment), environment.getOrDefault("KEEL_PROFILES", "local,dev"),
				javaOptions.isEmpty() ? List.of() : List.of(javaOptions.split("\\s+")),
				Duration.ofSeconds(number(environment, "KEEL_READY_TIMEOUT", 180)),
				Duration.ofSeconds(number(environment, "KEEL_STOP_TIMEOUT", 45)),
				Duration.ofSeconds(number(environment, "KEEL_RESTART_SETTLE", 2)), parallelism,
				!classArchives.equals("off"), Ports.from(environment),
				environment.get("KEEL_CONFIG_REPO"), environment.getOrDefault("KEEL_CONFIG_LABEL", "main"));
	}

	/** The state directory: {@code KEEL_STATE_DIR}, relative to the project, or .platform. */
	static Path state(Path root, Map<String, String> environment) {
		String state = environment.get("KEEL_STATE_DIR");
		return (state != null) ? root.resolve(state).normalize() : root.resolve(".platform");
	}

	private static int number(Map<String, String> environment, String name, int fallback) {
		String value = environment.get(name);
		if (value == null || value.isBlank()) {
			return fallback;
		}
		try {
			return Integer.parseInt(value.strip());
		}
		catch (NumberFormatException ex) {
			throw new UsageException(name + " must be a number, not '" + value + "'");
		}
	}

	/** The environment (dev, staging, prod) the profiles name: the metrics tag of config-server. */
	String environmentName() {
		for (String profile : this.profiles.split(",")) {
			if (List.of("dev", "staging", "prod").contains(profile.strip())) {
				return profile.strip();
			}
		}
		return "none";
	}

	Path run() {
		return this.state.resolve("run");
	}

	Path logs() {
		return this.state.resolve("logs");
	}

}
