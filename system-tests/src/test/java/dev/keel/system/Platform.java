package dev.keel.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import tools.jackson.databind.JsonNode;

import dev.keel.launcher.SignIn;

import static org.awaitility.Awaitility.await;

/**
 * The whole platform, started once for every system test class of the run through {@code ./platform} (the users'
 * own tool) on loopback ports of its own, and stopped when the run ends, leaving nothing running. Starting it is
 * most of what system tests cost, so the classes share it, in the order {@code junit-platform.properties} sets:
 * those that only look first, those that break things last, each leaving the platform as it found it.
 * <p>
 * Two instances of each service, two gateways behind an edge (Nginx); configuration from a Git repository (a copy of config-repo/ that
 * {@link ConfigRepository} commits to), so that reloads are tested as deployments get them.
 */
final class Platform implements BeforeAllCallback {

	/** What moves every process 10000 ports above a local run's. */
	static final int PORT_OFFSET = 10000;

	/** The public entry: the edge (Nginx) in front of the gateways, HTTP. */
	static final int GATEWAY_PORT = 8080 + PORT_OFFSET;

	/** The edge's HTTPS. */
	static final int HTTPS_PORT = 8443 + PORT_OFFSET;

	/** The edge's readiness and status page; gateway i's actuator is on this + 100 * i. */
	static final int GATEWAY_MANAGEMENT_PORT = 9080 + PORT_OFFSET;

	static final int USER_PORT = 8081 + PORT_OFFSET;

	static final int USER_MANAGEMENT_PORT = 9081 + PORT_OFFSET;

	static final int ORDER_PORT = 8082 + PORT_OFFSET;

	static final int ORDER_MANAGEMENT_PORT = 9082 + PORT_OFFSET;

	static final int AUTH_PORT = 8083 + PORT_OFFSET;

	static final int AUTH_MANAGEMENT_PORT = 9083 + PORT_OFFSET;

	static final int CONFIG_PORT = 8888 + PORT_OFFSET;

	static final int DB_PORT = 3307 + PORT_OFFSET;

	static final int REPLICAS = 2;

	/** Gateways behind the edge. */
	static final int GATEWAYS = 2;

	/** The key config-server decrypts {@code {cipher}} values with. */
	static final String ENCRYPT_KEY = "system-test-key-" + UUID.randomUUID();

	private static final Path ROOT = Path.of(System.getProperty("keel.root", "..")).toAbsolutePath().normalize();

	private static final Path STATE = Path.of(System.getProperty("keel.state", "target/platform")).toAbsolutePath();

	/** The one platform of the run. */
	static final Platform platform = new Platform();

	private final ConfigRepository configRepository = new ConfigRepository(ROOT);

	private final Map<String, Token> tokens = new HashMap<>();

	/** Settings of the services on top of the usual ones (a Nacos to register in), for the next start. */
	private final Map<String, String> extraEnvironment = new LinkedHashMap<>();

	private Platform() {
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		// The root store closes what it holds when the whole run ends, after the last class.
		context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(Platform.class, (key) -> {
			up();
			return (AutoCloseable) this::down;
		});
	}

	/**
	 * Stops the platform and starts it again in nacos mode, registering in the Nacos these settings name
	 * (NACOS_SERVER_ADDR, credentials): the last classes of the run see the same platform found through Nacos.
	 */
	void restartWithNacos(Map<String, String> nacos) {
		Result down = run(300, "down");
		if (down.exitCode() != 0) {
			throw new IllegalStateException("./platform down failed:\n" + down.output());
		}
		this.extraEnvironment.putAll(nacos);
		up("--discovery", "nacos");
	}

	private void up(String... options) {
		List<String> args = new ArrayList<>(List.of("up", "--replicas", String.valueOf(REPLICAS), "--gateways",
				String.valueOf(GATEWAYS)));
		args.addAll(List.of(options));
		Result up = run(TimeUnit.MINUTES.toSeconds(20), args.toArray(String[]::new));
		if (up.exitCode() != 0) {
			run(300, "down");
			throw new IllegalStateException("./platform up failed:\n" + up.output());
		}
		try {
			warmUp();
		}
		catch (RuntimeException ex) {
			run(300, "down");
			throw ex;
		}
	}

	/**
	 * Ready is not warm: on a starved machine the first request an instance serves can outlast the gateway's 5 s
	 * attempt timeout (cold code, first connections). The suite starts once every instance, and every route of the
	 * gateway, has answered, as a user who retried would.
	 */
	private void warmUp() {
		List<String> urls = new ArrayList<>();
		for (int replica = 1; replica <= REPLICAS; replica++) {
			urls.add(instance("user-service", replica) + "/api/v1/users?size=1");
			urls.add(instance("order-service", replica) + "/api/v1/products?size=1");
		}
		for (int replica = 1; replica <= GATEWAYS; replica++) {
			urls.add(instance("gateway-service", replica) + "/api/v1/users?size=1");
			urls.add(instance("gateway-service", replica) + "/api/v1/products?size=1");
		}
		for (String url : urls) {
			String base = url.substring(0, url.indexOf("/api/"));
			// As the administrator: the services verify tokens too, and listing every profile is theirs.
			Http http = new Http(base, () -> token("admin"));
			String path = url.substring(url.indexOf("/api/"));
			await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
				.until(() -> http.get(path).status() == 200);
		}
	}

	private void down() {
		Result down = run(300, "down");
		this.configRepository.delete();
		if (down.exitCode() != 0) {
			throw new IllegalStateException("./platform down failed:\n" + down.output());
		}
	}

	/** The Git repository config-server serves. */
	ConfigRepository configRepository() {
		return this.configRepository;
	}

	String gateway() {
		return "http://127.0.0.1:" + GATEWAY_PORT;
	}

	/** One instance's API port, called past the gateway with a local account's access token. */
	Http instanceAs(String service, int replica, String account) {
		return new Http(instance(service, replica), () -> token(account));
	}

	/** The gateway as a local account's app calls it: with the account's access token. */
	Http gatewayAs(String account) {
		return new Http(gateway(), () -> token(account));
	}

	/**
	 * An access token of a local account (alice, bob, admin), from a real sign-in through the gateway as
	 * {@code ./platform token} does it, signed in again well before it expires (15 minutes). As an app would, it
	 * keeps using the token in hand while a sign-in fails (auth-service down), until that token is near its end.
	 */
	synchronized String token(String account) {
		Token token = this.tokens.get(account);
		Instant now = Instant.now();
		if (token == null || token.obtained().plus(TOKEN_RENEWAL).isBefore(now)) {
			try {
				token = new Token(SignIn.accessToken(URI.create(gateway()), account, accountPassword(account)), now);
				this.tokens.put(account, token);
			}
			catch (RuntimeException ex) {
				if (token == null || token.obtained().plus(TOKEN_USE).isBefore(now)) {
					throw ex;
				}
			}
		}
		return token.value();
	}

	/** Signs an account in now, so that its token lasts (15 minutes) through a test that takes auth-service away. */
	synchronized String freshToken(String account) {
		this.tokens.remove(account);
		return token(account);
	}

	/** Signs every account in again at its next request: after the signing key changed under the tokens held. */
	synchronized void forgetTokens() {
		this.tokens.clear();
	}

	private static final Duration TOKEN_RENEWAL = Duration.ofMinutes(5);

	/** Short of the 15-minute lifetime by more than a request's 30 s timeout. */
	private static final Duration TOKEN_USE = Duration.ofMinutes(14);

	private record Token(String value, Instant obtained) {
	}

	/**
	 * How many instances of a service run: {@link #REPLICAS}, but auth-service once (as ./platform runs it);
	 * {@link #GATEWAYS} of the gateway.
	 */
	static int replicas(String service) {
		return switch (service) {
			case "auth-service" -> 1;
			case "gateway-service" -> GATEWAYS;
			default -> REPLICAS;
		};
	}

	/** The API of one instance, bypassing the edge and the gateway (replicas are 1-based). */
	String instance(String service, int replica) {
		return "http://127.0.0.1:" + port(service, replica, false);
	}

	/** The actuator of one instance. */
	String management(String service, int replica) {
		return "http://127.0.0.1:" + port(service, replica, true);
	}

	/** The products with the most stock now, most first: taken in turn, loads of orders are never refused for stock. */
	List<String> mostStockedSkus(int count) {
		List<JsonNode> products = new ArrayList<>();
		gatewayAs("alice").get("/api/v1/products?size=100").json().get("content").forEach(products::add);
		products.sort((a, b) -> Integer.compare(b.get("stock").asInt(), a.get("stock").asInt()));
		return products.stream().limit(count).map((product) -> product.get("sku").asString()).toList();
	}

	/** The RateLimit-Limit each gateway answers a GET of this path with, as alice: where a reload is seen on all. */
	List<String> gatewaysRateLimit(String path) {
		List<String> limits = new ArrayList<>();
		for (int replica = 1; replica <= GATEWAYS; replica++) {
			limits.add(String.valueOf(instanceAs("gateway-service", replica, "alice").get(path).header("RateLimit-Limit")));
		}
		return limits;
	}

	/** The actuators of every gateway. */
	List<String> gatewayManagements() {
		List<String> managements = new ArrayList<>();
		for (int replica = 1; replica <= GATEWAYS; replica++) {
			managements.add(management("gateway-service", replica));
		}
		return managements;
	}

	/** As ./platform places them: gateway i on the public ports + 100 * i, a service's replica i on + 100 * (i - 1). */
	static int port(String service, int replica, boolean management) {
		if (service.equals("gateway-service")) {
			return (management ? GATEWAY_MANAGEMENT_PORT : GATEWAY_PORT) + 100 * replica;
		}
		return port(service, management) + 100 * (replica - 1);
	}

	private static int port(String service, boolean management) {
		return switch (service) {
			case "auth-service" -> management ? AUTH_MANAGEMENT_PORT : AUTH_PORT;
			case "user-service" -> management ? USER_MANAGEMENT_PORT : USER_PORT;
			case "order-service" -> management ? ORDER_MANAGEMENT_PORT : ORDER_PORT;
			default -> throw new IllegalArgumentException(service);
		};
	}

	Result run(long timeoutSeconds, String... args) {
		return run(timeoutSeconds, Map.of(), args);
	}

	/** ./platform, with these settings on top of the usual ones, and nothing on its standard input. */
	Result run(long timeoutSeconds, Map<String, String> settings, String... args) {
		return run(timeoutSeconds, settings, "", args);
	}

	/** ./platform, given this on its standard input (a password, as a user pipes it). */
	Result runWithInput(long timeoutSeconds, String input, String... args) {
		return run(timeoutSeconds, Map.of(), input, args);
	}

	private Result run(long timeoutSeconds, Map<String, String> settings, String input, String... args) {
		List<String> command = new ArrayList<>();
		command.add(ROOT.resolve("platform").toString());
		command.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile());
		// The suite runs the JVM options ./platform up runs, whose heap its load must fit in, its class archives and
		// its own ports, whatever the shell has.
		withoutOwnSettings(builder.environment());
		builder.environment().putAll(environment());
		builder.environment().putAll(settings);
		try {
			Path stdin = Files.createTempFile("command-", ".in");
			Files.writeString(stdin, input);
			builder.redirectInput(stdin.toFile());
			try {
				return execute(builder, timeoutSeconds);
			}
			finally {
				Files.delete(stdin);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Runs a command to its end, or to the timeout: SIGTERM first, so that its shutdown hooks run (the launcher
	 * resumes a paused instance), SIGKILL 30 s later. Its output, merged, is printed and returned.
	 */
	static Result execute(ProcessBuilder builder, long timeoutSeconds) {
		try {
			Path output = Files.createTempFile("command-", ".out");
			builder.redirectErrorStream(true).redirectOutput(output.toFile());
			Process process = builder.start();
			boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
			if (!finished) {
				process.destroy();
				if (!process.waitFor(30, TimeUnit.SECONDS)) {
					process.destroyForcibly();
				}
			}
			Result result = new Result(finished ? process.exitValue() : -1, Files.readString(output, StandardCharsets.UTF_8));
			Files.delete(output);
			System.out.println("$ " + String.join(" ", builder.command()) + "\n" + result.tail());
			return result;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A GET through the gateway as alice, from the client at this address (X-Forwarded-For: the gateway trusts
	 * loopback).
	 */
	HttpRequest get(String path, String client) {
		return HttpRequest.newBuilder(URI.create(gateway() + path))
			.header("Authorization", "Bearer " + token("alice"))
			.header("X-Forwarded-For", client)
			.timeout(Duration.ofSeconds(30))
			.GET()
			.build();
	}

	/** A JSON POST through the gateway as alice, from the client at this address, with an Idempotency-Key of its own. */
	HttpRequest post(String path, String json, String client) {
		return HttpRequest.newBuilder(URI.create(gateway() + path))
			.header("Authorization", "Bearer " + token("alice"))
			.header("Content-Type", "application/json")
			.header("X-Forwarded-For", client)
			.header("Idempotency-Key", UUID.randomUUID().toString())
			.timeout(Duration.ofSeconds(30))
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build();
	}

	/**
	 * The sum of a gateway metric's series, over every gateway, for one instance ({@code host:port}, as the gateway's
	 * load balancer names it), restricted to those with this tag ({@code outcome="failed"}) if one is given.
	 */
	double gatewayMetric(String name, String target, String tag) {
		return gatewayManagements().stream()
			.flatMap((management) -> new Http(management).get("/actuator/prometheus").raw().body().lines())
			.filter((line) -> line.startsWith(name + "{") && line.contains("target=\"" + target + "\"")
					&& (tag == null || line.contains(tag)))
			.mapToDouble((line) -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
			.sum();
	}

	/**
	 * Leaves out what a developer's shell or a CI job may set for their own ./platform runs: JVM options, class
	 * archives and ports, which would otherwise win over the suite's.
	 */
	static void withoutOwnSettings(Map<String, String> environment) {
		environment.remove("KEEL_JAVA_OPTS");
		environment.remove("KEEL_CLASS_ARCHIVES");
		environment.keySet().removeIf((name) -> name.startsWith("KEEL_") && name.endsWith("_PORT"));
	}

	/** What ./platform is run with, and through it every process it starts. */
	Map<String, String> environment() {
		Map<String, String> environment = new LinkedHashMap<>();
		environment.put("KEEL_STATE_DIR", STATE.toString());
		// Every port, those of services added with ./platform new-service too, moved as the constants above.
		environment.put("KEEL_PORT_OFFSET", String.valueOf(PORT_OFFSET));
		// A readiness deadline a slow machine starting and restarting many JVMs under load can meet.
		environment.put("KEEL_READY_TIMEOUT", "300");
		environment.put("KEEL_CONFIG_REPO", this.configRepository.path().toString());
		environment.put("ENCRYPT_KEY", ENCRYPT_KEY);
		// Beats config-repo everywhere (ConfigIT's precedence check).
		environment.put("KEEL_PROBE_D", "environment");
		environment.putAll(this.extraEnvironment);
		return environment;
	}

	/** The command line of an instance's running process (config-server, user-service#2, ...), as Linux tells it. */
	List<String> commandLine(String instance) {
		return List.of(proc(instance, "cmdline").split("\u0000"));
	}

	/** What an instance's process has mapped into memory, as Linux tells it. */
	String memoryMaps(String instance) {
		return proc(instance, "maps");
	}

	private static String proc(String instance, String file) {
		try {
			String pid = Files.readString(STATE.resolve("run").resolve(instance.replace('#', '-') + ".pid")).split("\\s+")[0];
			return Files.readString(Path.of("/proc", pid, file));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Where ./platform keeps what it made for this state directory. */
	Path state() {
		return STATE;
	}

	/** A local account's password, as ./platform made it for this state directory. */
	String accountPassword(String account) {
		return read(STATE.resolve("run").resolve("account-password-" + account));
	}

	/** An application's config-server password, as ./platform made it for this state directory. */
	String configServerPassword(String application) {
		return read(STATE.resolve("run").resolve("config-server-password-" + application));
	}

	private static String read(Path secret) {
		try {
			return Files.readString(secret).trim();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The jar ./platform runs for a module. */
	static Path jar(String module) {
		return ROOT.resolve(module).resolve("target").resolve(module + "-0.1.0-SNAPSHOT.jar");
	}

	/** The log of one instance (db, config-server, user-service#2, ...). */
	String log(String instance) {
		try {
			return Files.readString(STATE.resolve("logs").resolve(instance.replace('#', '-') + ".log"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The logs of every instance of an application (db, config-server, edge, gateway-service, user-service...). */
	String logs(String application) {
		if (!List.of("auth-service", "user-service", "order-service", "gateway-service").contains(application)) {
			return log(application);
		}
		StringBuilder logs = new StringBuilder();
		for (int replica = 1; replica <= replicas(application); replica++) {
			logs.append(log(application + "#" + replica));
		}
		return logs.toString();
	}

	record Result(int exitCode, String output) {

		/**
		 * The output's last 200 lines, what a reader of the build's log needs (a class archive's listing is 20,000).
		 */
		String tail() {
			List<String> lines = this.output.lines().toList();
			return (lines.size() <= 200) ? this.output : "(" + (lines.size() - 200) + " lines before these)\n"
					+ String.join("\n", lines.subList(lines.size() - 200, lines.size()));
		}

	}

}
