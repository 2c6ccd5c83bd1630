package dev.keel.launcher;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The settings {@code ./platform up} started the platform with: its profiles, JVM options, class archives, config
 * repository and ports. They are kept in the state directory until {@code down}, and every command in between runs
 * with them, whatever its shell sets: a rolling restart from another terminal must not bring instances back with
 * other profiles, options or ports, and {@code ps}, {@code token} or a benchmark must find the platform where it is.
 */
final class StartSettings {

	private static final String FILE = "settings";

	private StartSettings() {
	}

	/** The settings that make a platform; the timeouts and the parallelism are each command's own. */
	static List<String> names() {
		List<String> names = new ArrayList<>(List.of("KEEL_PROFILES", "KEEL_JAVA_OPTS", "KEEL_CLASS_ARCHIVES",
				"KEEL_CONFIG_REPO", "KEEL_CONFIG_LABEL", "KEEL_PORT_OFFSET", "KEEL_GATEWAY_PORT", "KEEL_HTTPS_PORT",
				"KEEL_GATEWAY_MANAGEMENT_PORT", "KEEL_CONFIG_PORT", "KEEL_DB_PORT"));
		for (String service : Services.names()) {
			names.add(Services.portSetting(service, false));
			names.add(Services.portSetting(service, true));
		}
		return names;
	}

	/** Keeps this start's settings, readable by their owner only: a config repository's URL may carry a token. */
	static void save(Path run, Map<String, String> environment) {
		Map<String, String> settings = new LinkedHashMap<>();
		names().stream().filter(environment::containsKey).forEach((name) -> settings.put(name, environment.get(name)));
		PropertiesFile.write(run.resolve(FILE), settings, "./platform up: every command runs with these until down");
	}

	/**
	 * The environment with the running platform's settings in place of its own, if a platform was started from this
	 * state directory; the names of those the environment sets otherwise, which it ignores, go to {@code ignored}
	 * (names only: a value may be a secret).
	 */
	static Map<String, String> applied(Path run, Map<String, String> environment, List<String> ignored) {
		Path file = run.resolve(FILE);
		if (!Files.exists(file)) {
			return environment;
		}
		Map<String, String> saved;
		try {
			saved = PropertiesFile.read(file);
		}
		catch (UncheckedIOException | IllegalArgumentException ex) {
			throw new LauncherException("cannot read " + file + ", the settings ./platform up kept (" + ex.getMessage()
					+ "): delete it, then ./platform down, and up with the settings you want");
		}
		Map<String, String> applied = new LinkedHashMap<>(environment);
		for (String name : names()) {
			String kept = saved.get(name);
			if (environment.containsKey(name) && !Objects.equals(environment.get(name), kept)) {
				ignored.add(name);
			}
			applied.remove(name);
			if (kept != null) {
				applied.put(name, kept);
			}
		}
		return applied;
	}

	static void forget(Path run) {
		PropertiesFile.delete(run.resolve(FILE));
	}

}
