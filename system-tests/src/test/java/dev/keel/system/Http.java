package dev.keel.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain HTTP client for the system tests: what a user's curl would do, with JSON parsing, and the access token
 * of whoever it acts for.
 */
final class Http {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** HTTP/1.1, as curl speaks it to an http:// URL: no h2c upgrade attempt on every new connection. */
	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private final String base;

	/** The access token every request carries, unless it names its own; null: none. */
	private final Supplier<String> token;

	Http(String base) {
		this(base, null);
	}

	Http(String base, Supplier<String> token) {
		this.base = base;
		this.token = token;
	}

	String base() {
		return this.base;
	}

	Response get(String path) {
		return send(HttpRequest.newBuilder(URI.create(this.base + path)).GET());
	}

	Response post(String path, String json, String... headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.base + path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json));
		if (headers.length > 0) {
			request.headers(headers);
		}
		return send(request);
	}

	Response send(HttpRequest.Builder request) {
		request.timeout(Duration.ofSeconds(30));
		if (this.token != null && request.build().headers().firstValue("Authorization").isEmpty()) {
			request.header("Authorization", "Bearer " + this.token.get());
		}
		try {
			HttpResponse<String> response = this.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
			return new Response(response);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	record Response(HttpResponse<String> raw) {

		int status() {
			return this.raw.statusCode();
		}

		String header(String name) {
			return this.raw.headers().firstValue(name).orElse(null);
		}

		JsonNode json() {
			return JSON.readTree(this.raw.body());
		}

		@Override
		public String toString() {
			return this.raw.statusCode() + " " + this.raw.body();
		}

	}

}
