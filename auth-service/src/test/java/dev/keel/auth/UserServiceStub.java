package dev.keel.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.keel.platform.test.UnverifiedBearer;

/**
 * Stands in for user-service in auth-service's own tests (the system tests use the real one): it makes one profile
 * per account subject as user-service does ({@code PUT /internal/v1/profiles/{subject}}: 201, then 200 with the same
 * id for the same e-mail, 409 {@code profile-exists} for another), refuses an e-mail {@link #refuse(String) marked taken} with 409, answers 503 while {@link #failing(boolean)},
 * and records every call with the caller's token claims. Reached through simple discovery and the real load balancer.
 */
final class UserServiceStub {

	private static final String PATH = "/internal/v1/profiles/";

	private static final Pattern EMAIL = Pattern.compile("\"email\"\\s*:\\s*\"([^\"]*)\"");

	private static final Map<String, Long> profiles = new ConcurrentHashMap<>();

	private static final Map<String, String> emails = new ConcurrentHashMap<>();

	private static final Set<String> taken = ConcurrentHashMap.newKeySet();

	private static final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

	private static final AtomicBoolean failing = new AtomicBoolean();

	private static final AtomicLong ids = new AtomicLong(1000);

	private static HttpServer server;

	/** A call: for which account, from whom (the token's subject and scopes), with which e-mail. */
	record Call(String account, String caller, List<String> scopes, String email) {
	}

	private UserServiceStub() {
	}

	static synchronized int port() {
		if (server == null) {
			try {
				server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			server.createContext(PATH, UserServiceStub::handle);
			server.createContext("/readyz", (exchange) -> respond(exchange, 200, "{\"status\":\"UP\"}"));
			server.start();
		}
		return server.getAddress().getPort();
	}

	static void failing(boolean value) {
		failing.set(value);
	}

	static void refuse(String email) {
		taken.add(email);
	}

	/** The calls made for this account. */
	static List<Call> callsFor(String account) {
		return calls.stream().filter((call) -> call.account().equals(account)).toList();
	}

	private static void handle(HttpExchange exchange) throws IOException {
		String account = URLDecoder.decode(exchange.getRequestURI().getRawPath().substring(PATH.length()),
				StandardCharsets.UTF_8);
		UnverifiedBearer bearer = UnverifiedBearer.of(exchange.getRequestHeaders().getFirst("Authorization"));
		String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
		String email = find(EMAIL, body);
		calls.add(new Call(account, bearer.subject(), bearer.scopes(), email));
		if (!"PUT".equals(exchange.getRequestMethod())) {
			respond(exchange, 405, "{\"status\":405}");
		}
		else if (failing.get()) {
			respond(exchange, 503, "{\"status\":503}");
		}
		else if (profiles.containsKey(account)) {
			// As user-service: the same sign-up again gets its profile, another one under the name gets none.
			if (emails.get(account).equals(email)) {
				respond(exchange, 200, profile(account));
			}
			else {
				respond(exchange, 409, "{\"status\":409,\"type\":\"https://keel.dev/problems/profile-exists\"}");
			}
		}
		else if (taken.contains(email)) {
			respond(exchange, 409, "{\"status\":409,\"type\":\"https://keel.dev/problems/duplicate-email\"}");
		}
		else {
			emails.putIfAbsent(account, email);
			profiles.putIfAbsent(account, ids.incrementAndGet());
			respond(exchange, 201, profile(account));
		}
	}

	/** A profile left by an earlier account of this name, with its e-mail. */
	static void leftBehind(String account, String email) {
		emails.put(account, email);
		profiles.put(account, ids.incrementAndGet());
	}

	static Long profileOf(String account) {
		return profiles.get(account);
	}

	private static String profile(String account) {
		return "{\"id\":%d,\"owner\":\"%s\"}".formatted(profiles.get(account), account);
	}


	private static String find(Pattern pattern, String text) {
		Matcher found = pattern.matcher(text);
		return found.find() ? found.group(1) : null;
	}

	private static void respond(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", (status >= 400) ? "application/problem+json" : "application/json");
		exchange.sendResponseHeaders(status, bytes.length);
		exchange.getResponseBody().write(bytes);
		exchange.close();
	}

}
