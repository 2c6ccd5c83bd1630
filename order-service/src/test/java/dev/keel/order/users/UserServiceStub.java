package dev.keel.order.users;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

import dev.keel.platform.test.UnverifiedBearer;

/**
 * Stands in for user-service in order-service's own integration tests (the system tests use the real
 * one): it answers order-service's own token only (client credentials, scope {@code users:read}), as user-service
 * does. Profiles are those {@link #profileOf(String)} made; ids from {@link #SOMEONE_ELSES_FROM} belong to
 * {@link #SOMEONE_ELSE}, and from {@link #UNKNOWN_FROM} do not exist. {@link #failing(boolean)} makes it answer
 * 503. It is registered in simple discovery, so calls go through the real load balancer.
 */
public final class UserServiceStub {

	/** User ids from here on do not exist. */
	public static final long UNKNOWN_FROM = 900_000_000L;

	/** User ids from here up to {@link #UNKNOWN_FROM} belong to {@link #SOMEONE_ELSE}; lower ones are made. */
	public static final long SOMEONE_ELSES_FROM = 800_000_000L;

	public static final String SOMEONE_ELSE = "someone-else";

	/** Who order-service is at the issuer (config-repo/order-service.yml), and what its token must carry. */
	private static final String ORDER_SERVICE = "order-service";

	private static final String SCOPE = "users:read";

	private static final Map<Long, String> owners = new ConcurrentHashMap<>();

	private static final Set<String> callers = ConcurrentHashMap.newKeySet();

	private static final AtomicBoolean failing = new AtomicBoolean();

	private static HttpServer server;

	private UserServiceStub() {
	}

	/** A new profile, {@code owner}'s. */
	public static long profileOf(String owner) {
		long id;
		do {
			id = ThreadLocalRandom.current().nextLong(1, SOMEONE_ELSES_FROM);
		}
		while (owners.putIfAbsent(id, owner) != null);
		return id;
	}

	/** The subjects of every token the stub has been called with. */
	public static Set<String> callers() {
		return Set.copyOf(callers);
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
		UnverifiedBearer bearer = UnverifiedBearer.of(exchange.getRequestHeaders().getFirst("Authorization"));
		String caller = bearer.subject();
		if (caller == null) {
			respond(exchange, 401, "application/problem+json", "{\"status\":401}");
			return;
		}
		callers.add(caller);
		if (!ORDER_SERVICE.equals(caller) || !bearer.scopes().contains(SCOPE)) {
			// As user-service would: order-service calls with its own token, never a customer's.
			respond(exchange, 403, "application/problem+json", "{\"status\":403}");
			return;
		}
		String owner = id.matches("\\d{1,18}") ? owner(Long.parseLong(id)) : null;
		if (failing.get()) {
			respond(exchange, 503, "application/problem+json", "{\"status\":503}");
		}
		else if (owner == null) {
			respond(exchange, 404, "application/problem+json", "{\"status\":404}");
		}
		else {
			respond(exchange, 200, "application/json",
					"{\"id\":%s,\"owner\":\"%s\",\"email\":\"user%s@example.com\",\"name\":\"User %s\",\"version\":0}"
						.formatted(id, owner, id, id));
		}
	}

	private static String owner(long id) {
		if (id >= UNKNOWN_FROM) {
			return null;
		}
		return (id >= SOMEONE_ELSES_FROM) ? SOMEONE_ELSE : owners.get(id);
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
