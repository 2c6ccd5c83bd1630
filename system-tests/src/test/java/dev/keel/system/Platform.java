package dev.keel.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The whole platform, started once per test class through {@code ./platform} (the users' own tool) on
 * loopback ports of its own, and always stopped afterwards, leaving nothing running.
 */
final class Platform implements BeforeAllCallback, AfterAllCallback {

	static final int GATEWAY_PORT = 18080;

	static final int GATEWAY_MANAGEMENT_PORT = 19080;

	static final int USER_PORT = 18081;

	static final int ORDER_PORT = 18082;

	static final int CONFIG_PORT = 18888;

	static final int DB_PORT = 13307;

	private static final Path ROOT = Path.of(System.getProperty("keel.root", "..")).toAbsolutePath().normalize();

	private static final Path STATES = Path.of(System.getProperty("keel.state", "target/platform")).toAbsolutePath();

	private final int replicas;

	private final Map<String, String> environment;

	/** Each test class its own state, database included: no test depends on what another left behind. */
	private Path state;

	Platform(int replicas) {
		this(replicas, Map.of());
	}

	/**
	 * @param environment passed to ./platform and through it to every process it starts
	 */
	Platform(int replicas, Map<String, String> environment) {
		this.replicas = replicas;
		this.environment = environment;
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		this.state = STATES.resolve(context.getRequiredTestClass().getSimpleName());
		Result up = run(TimeUnit.MINUTES.toSeconds(6), "up", "--replicas", String.valueOf(this.replicas));
		if (up.exitCode() != 0) {
			run(120, "down");
			throw new IllegalStateException("./platform up failed:\n" + up.output());
		}
	}

	@Override
	public void afterAll(ExtensionContext context) {
		Result down = run(180, "down");
		if (down.exitCode() != 0) {
			throw new IllegalStateException("./platform down failed:\n" + down.output());
		}
	}

	String gateway() {
		return "http://127.0.0.1:" + GATEWAY_PORT;
	}

	/** The base URL of one instance, bypassing the gateway (replicas are 1-based). */
	String instance(String service, int replica) {
		int base = switch (service) {
			case "user-service" -> USER_PORT;
			case "order-service" -> ORDER_PORT;
			default -> throw new IllegalArgumentException(service);
		};
		return "http://127.0.0.1:" + (base + 100 * (replica - 1));
	}

	Result run(long timeoutSeconds, String... args) {
		List<String> command = new ArrayList<>();
		command.add(ROOT.resolve("platform").toString());
		command.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
		Map<String, String> env = builder.environment();
		env.put("KEEL_STATE_DIR", this.state.toString());
		env.put("KEEL_GATEWAY_PORT", String.valueOf(GATEWAY_PORT));
		env.put("KEEL_GATEWAY_MANAGEMENT_PORT", String.valueOf(GATEWAY_MANAGEMENT_PORT));
		env.put("KEEL_USER_PORT", String.valueOf(USER_PORT));
		env.put("KEEL_ORDER_PORT", String.valueOf(ORDER_PORT));
		env.put("KEEL_CONFIG_PORT", String.valueOf(CONFIG_PORT));
		env.put("KEEL_DB_PORT", String.valueOf(DB_PORT));
		env.putAll(this.environment);
		try {
			Path output = Files.createTempFile("platform-", ".out");
			builder.redirectOutput(output.toFile());
			Process process = builder.start();
			boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
			if (!finished) {
				process.destroyForcibly();
			}
			String text = Files.readString(output, StandardCharsets.UTF_8);
			Files.delete(output);
			System.out.println("$ ./platform " + String.join(" ", args) + "\n" + text);
			return new Result(finished ? process.exitValue() : -1, text);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The config-server password ./platform made for this state directory. */
	String configServerPassword() {
		try {
			return Files.readString(this.state.resolve("run").resolve("config-server-password")).trim();
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
			return Files.readString(this.state.resolve("logs").resolve(instance.replace('#', '-') + ".log"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	record Result(int exitCode, String output) {
	}

}
