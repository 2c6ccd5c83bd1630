package dev.keel.launcher;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The services the launcher runs (auth-service and the domain services), in the order they start, with their base
 * ports. A service's ports can be
 * moved with {@code KEEL_<NAME>_PORT} and {@code KEEL_<NAME>_MANAGEMENT_PORT} (user-service: {@code KEEL_USER_PORT});
 * its management port defaults to its API port + 1000.
 */
final class Services {

	/** Each domain service and its default API port; auth-service first, as the others verify its tokens. */
	static final Map<String, Integer> DEFAULT_PORTS = orderedMap("auth-service", 8083, "user-service", 8081,
			"order-service", 8082);

	/**
	 * The scopes {@code ./platform token} asks for: each domain service's (their {@code keel.security.required-scopes}),
	 * which auth-service grants the clients people sign in with (config-repo/auth-service.yml).
	 */
	static final List<String> SCOPES = List.of("openid", "users", "orders");

	static final String AUTH_SERVICE = "auth-service";

	/**
	 * The services that call others, each with a client of its own at auth-service (config-repo/auth-service.yml)
	 * and a secret the launcher makes: auth-service too, for sign-up's calls to user-service.
	 */
	static final List<String> CALLERS = List.of("order-service", "auth-service");

	/** The app that keeps a person signed in with refresh tokens: a confidential client, with a secret too. */
	static final String WEB_APP = "keel-web";

	private Services() {
	}

	/**
	 * How many instances of a service run when {@code --replicas} asks for {@code replicas}: as many, but auth-service
	 * once. Its sessions and authorizations live in its database, so more would work (Kubernetes runs two), but on
	 * a laptop another JVM costs more than sign-ins need.
	 */
	static int instances(String service, int replicas) {
		return service.equals(AUTH_SERVICE) ? 1 : replicas;
	}

	static List<String> names() {
		return List.copyOf(DEFAULT_PORTS.keySet());
	}

	static boolean isService(String name) {
		return DEFAULT_PORTS.containsKey(name);
	}

	/** auth-service's copy of a client's secret: order-service -> KEEL_CLIENT_SECRET_ORDER_SERVICE. */
	static String clientSecretSetting(String service) {
		return "KEEL_CLIENT_SECRET_" + service.replace('-', '_').toUpperCase(Locale.ROOT);
	}

	/** The setting that moves a service's port: user-service -> KEEL_USER_PORT. */
	static String portSetting(String service, boolean management) {
		String stem = service.replaceFirst("-service$", "").replace('-', '_').toUpperCase(Locale.ROOT);
		return "KEEL_" + stem + (management ? "_MANAGEMENT_PORT" : "_PORT");
	}

	private static Map<String, Integer> orderedMap(Object... entries) {
		Map<String, Integer> map = new java.util.LinkedHashMap<>();
		for (int i = 0; i < entries.length; i += 2) {
			map.put((String) entries[i], (Integer) entries[i + 1]);
		}
		return java.util.Collections.unmodifiableMap(map);
	}

}
