package dev.keel.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Nacos that {@code ./platform up --discovery nacos} registers in: the user's own (a container, a shared dev
 * server), found as the services find it, through NACOS_SERVER_ADDR.
 */
final class Nacos {

	/** What a process needs to register in the user's Nacos; kept for restarts from another shell. */
	static final List<String> SETTINGS = List.of("NACOS_SERVER_ADDR", "NACOS_USERNAME", "NACOS_PASSWORD",
			"NACOS_NAMESPACE", "NACOS_GROUP");

	private static final String FILE = "nacos";

	private Nacos() {
	}

	/** Keeps the Nacos settings of this start (readable by its owner only: the password is one of them). */
	static void save(Path run, Map<String, String> environment) {
		Map<String, String> settings = new LinkedHashMap<>();
		SETTINGS.stream().filter(environment::containsKey).forEach((name) -> settings.put(name, environment.get(name)));
		PropertiesFile.write(run.resolve(FILE), settings, "./platform up --discovery nacos");
	}

	/** The Nacos settings the platform was started with (none if it was not started in nacos mode). */
	static Map<String, String> saved(Path run) {
		return PropertiesFile.read(run.resolve(FILE));
	}

	static void forget(Path run) {
		PropertiesFile.delete(run.resolve(FILE));
	}

	/** Stops before anything starts when there is no Nacos to register in, saying how to point at one. */
	static void check(Map<String, String> environment) {
		String address = environment.getOrDefault("NACOS_SERVER_ADDR", "localhost:8848");
		URI liveness = URI.create("http://" + address.split(",")[0].strip() + "/nacos/v3/admin/core/state/liveness");
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
		try {
			HttpResponse<Void> response = client.send(
					HttpRequest.newBuilder(liveness).timeout(Duration.ofSeconds(5)).build(),
					HttpResponse.BodyHandlers.discarding());
			if (response.statusCode() != 200) {
				throw unreachable(address, "it answered " + response.statusCode());
			}
		}
		catch (IOException | IllegalArgumentException ex) {
			throw unreachable(address, String.valueOf(ex.getMessage()));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw unreachable(address, "interrupted");
		}
	}

	private static LauncherException unreachable(String address, String why) {
		return new LauncherException("--discovery nacos needs a running Nacos 3 at NACOS_SERVER_ADDR (" + address
				+ "): " + why + ". Start one (README: \"nacos mode\") and set NACOS_SERVER_ADDR, NACOS_USERNAME, "
				+ "NACOS_PASSWORD and NACOS_NAMESPACE for it");
	}

}
