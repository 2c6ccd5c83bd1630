package dev.keel.launcher;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

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
		Properties settings = new Properties();
		SETTINGS.stream()
			.filter(environment::containsKey)
			.forEach((name) -> settings.setProperty(name, environment.get(name)));
		try {
			StringWriter text = new StringWriter();
			settings.store(text, "./platform up --discovery nacos");
			Passwords.writeOwnerOnly(run.resolve(FILE), text.toString(), StandardCopyOption.REPLACE_EXISTING);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The Nacos settings the platform was started with (none if it was not started in nacos mode). */
	static Map<String, String> saved(Path run) {
		Path file = run.resolve(FILE);
		if (!Files.exists(file)) {
			return Map.of();
		}
		Properties settings = new Properties();
		try (Reader reader = Files.newBufferedReader(file)) {
			settings.load(reader);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Map<String, String> saved = new LinkedHashMap<>();
		settings.stringPropertyNames().forEach((name) -> saved.put(name, settings.getProperty(name)));
		return saved;
	}

	static void forget(Path run) {
		try {
			Files.deleteIfExists(run.resolve(FILE));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
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
