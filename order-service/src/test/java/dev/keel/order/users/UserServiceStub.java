package dev.keel.order.users;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Stands in for user-service in order-service's own integration tests (the system tests use the real
 * one): every user id exists except those from {@link #UNKNOWN_FROM}, each the caller's own except those from
 * {@link #SOMEONE_ELSES_FROM}, and {@link #failing(boolean)} makes it
 * answer 503. It is registered in simple discovery, so calls go through the real load balancer.
 */
public final class UserServiceStub {

	/** User ids from here on do not exist. */
	public static final long UNKNOWN_FROM = 900_000_000L;

	/** User ids from here up to {@link #UNKNOWN_FROM} belong to {@link #SOMEONE_ELSE}; lower ones to the caller. */
	public static final long SOMEONE_ELSES_FROM = 800_000_000L;

	public static final String SOMEONE_ELSE = "someone-else";

	private static final Pattern SUBJECT = Pattern.compile("\"sub\"\\s*:\\s*\"([^\"]+)\"");

	private static final AtomicBoolean failing = new AtomicBoolean();

	private static HttpServer server;

	private UserServiceStub() {
	}

	/** While true, every request is answered with 503, as from an overloaded instance. */
	public static void failing(boolean value) {
		failing.set(value);
	}

	static synchronized int port() {
		if (server == null) {
			try {
				server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			server.createContext("/api/v1/users/", UserServiceStub::handle);
			// Up (its readiness answers) even while failing requests, as an overloaded instance would be.
			server.createContext("/readyz",
					(exchange) -> respond(exchange, 200, "application/json", "{\"status\":\"UP\"}"));
			server.start();
		}
		return server.getAddress().getPort();
	}

	private static void handle(HttpExchange exchange) throws IOException {
		String id = exchange.getRequestURI().getPath().substring("/api/v1/users/".length());
		String caller = subject(exchange.getRequestHeaders().getFirst("Authorization"));
		if (caller == null) {
			// As user-service would: order-service must send the caller's token on.
			respond(exchange, 401, "application/problem+json", "{\"status\":401}");
		}
		else if (failing.get()) {
			respond(exchange, 503, "application/problem+json", "{\"status\":503}");
		}
		else if (!id.matches("\\d{1,18}") || Long.parseLong(id) >= UNKNOWN_FROM) {
			respond(exchange, 404, "application/problem+json", "{\"status\":404}");
		}
		else {
			String owner = (Long.parseLong(id) >= SOMEONE_ELSES_FROM) ? SOMEONE_ELSE : caller;
			respond(exchange, 200, "application/json",
					"{\"id\":%s,\"owner\":\"%s\",\"email\":\"user%s@example.com\",\"name\":\"User %s\",\"version\":0}"
						.formatted(id, owner, id, id));
		}
	}

	/**
	 * The subject of the bearer token the call carries, unverified: the stub only checks that order-service sent
	 * the caller's token on (the service verifies tokens, and the system tests use the real user-service).
	 */
	private static String subject(String authorization) {
		if (authorization == null || !authorization.startsWith("Bearer ")) {
			return null;
		}
		String[] parts = authorization.substring("Bearer ".length()).split("\\.");
		if (parts.length != 3) {
			return null;
		}
		String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
		Matcher subject = SUBJECT.matcher(claims);
		return subject.find() ? subject.group(1) : null;
	}

	private static void respond(HttpExchange exchange, int status, String contentType, String body)
			throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", contentType);
		exchange.sendResponseHeaders(status, bytes.length);
		exchange.getResponseBody().write(bytes);
		exchange.close();
	}

	/** Provides {@code USER_SERVICE_STUB_PORT} to every test context; the stub starts on first use. */
	static final class ContextCustomizerFactory implements org.springframework.test.context.ContextCustomizerFactory {

		@Override
		public ContextCustomizer createContextCustomizer(Class<?> testClass,
				List<ContextConfigurationAttributes> configAttributes) {
			return new Customizer();
		}

	}

	private static final class Customizer implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
			context.getEnvironment().getPropertySources().addFirst(new PropertySource<>("userServiceStub", "") {
				@Override
				public Object getProperty(String name) {
					return "USER_SERVICE_STUB_PORT".equals(name) ? port() : null;
				}
			});
		}

		@Override
		public boolean equals(Object other) {
			return other != null && other.getClass() == getClass();
		}

		@Override
		public int hashCode() {
			return getClass().hashCode();
		}

	}

}
