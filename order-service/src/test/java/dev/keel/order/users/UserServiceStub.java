package dev.keel.order.users;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Stands in for user-service in order-service's own integration tests (the system tests use the real
 * one): every user id exists except those from {@link #UNKNOWN_FROM}, and {@link #failing(boolean)} makes it
 * answer 503. It is registered in simple discovery, so calls go through the real load balancer.
 */
public final class UserServiceStub {

	/** User ids from here on do not exist. */
	public static final long UNKNOWN_FROM = 900_000_000L;

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
		if (failing.get()) {
			respond(exchange, 503, "application/problem+json", "{\"status\":503}");
		}
		else if (!id.matches("\\d{1,18}") || Long.parseLong(id) >= UNKNOWN_FROM) {
			respond(exchange, 404, "application/problem+json", "{\"status\":404}");
		}
		else {
			respond(exchange, 200, "application/json",
					"{\"id\":%s,\"email\":\"user%s@example.com\",\"name\":\"User %s\",\"version\":0}".formatted(id, id,
							id));
		}
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
