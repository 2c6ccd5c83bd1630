package dev.keel.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;


/**
 * {@code ./platform}: keel's local operations, the whole platform as separate JVM processes on this machine.
 * <pre>
 * ./platform up [--replicas N] [--discovery local|nacos] [--gateways N]
 *                                build what is missing or stale, start everything, wait until ready
 * ./platform down                stop everything that was started (SIGTERM, then SIGKILL after a timeout)
 * ./platform ps                  instances, ports, pids, readiness, memory; processes left by a crashed launcher
 * ./platform logs NAME [-f]      show (or follow) a log: db, config-server, gateway-service, user-service#2, ...
 * ./platform restart NAME        rolling restart of a service, or restart of config-server or gateway-service
 * ./platform kill SERVICE[#i]    SIGKILL one instance (default #1), as a crash would
 * ./platform reset               wipe the local database (the platform must be down)
 * ./platform encrypt VALUE       a {cipher} value for config-repo, encrypted with $ENCRYPT_KEY (offline)
 * ./platform token NAME          a bearer access token of a local account (alice, bob, admin), signed in for real;
 *                                of a signed-up one with its password (typed, or on standard input)
 * ./platform accounts            the local accounts and their passwords
 * ./platform ca                  the path of the local CA's certificate; makes it and the edge's HTTPS certificate
 * ./platform new-service NAME    a new domain service, written and wired in (remove-service NAME takes it out)
 * ./platform bench contention|latency|kill|pause|restart|edge|sign-in|startup|throughput|profile|report [options]
 * </pre>
 * Exit codes: 0 done, 1 failed (what failed is said), 2 no or unknown command.
 */
public final class Launcher {

	private static final String OVERVIEW = """
			keel local operations: the whole platform as separate JVM processes on this machine.

			  ./platform up [--replicas N] [--discovery local|nacos] [--gateways N]
			                                 build what is missing or stale, start everything, wait until ready;
			                                 nacos: register in the Nacos at NACOS_SERVER_ADDR (NACOS_USERNAME,
			                                 NACOS_PASSWORD, NACOS_NAMESPACE) instead of a fixed instance list;
			                                 --gateways N: N gateways behind an edge (Nginx) on the public ports,
			                                 HTTP and HTTPS (KEEL_HTTPS_PORT 8443); gateway i on the public port + 100 i
			  ./platform down                stop everything that was started (SIGTERM, then SIGKILL after a timeout)
			  ./platform ps                  instances, ports, pids, readiness, memory; leftovers of a crashed launcher
			  ./platform logs NAME [-f]      show (or follow) a log: db, config-server, gateway-service, user-service#2, ...
			  ./platform restart NAME        rolling restart of a service or of the gateways behind the edge (one instance
			                                 at a time, the next once the new one is ready), of one instance
			                                 (user-service#2: started if it was killed), or restart of config-server,
			                                 the edge, or the gateway without an edge
			  ./platform kill SERVICE[#i]    SIGKILL one instance (default #1), as a crash would
			  ./platform pause SERVICE[#i] SECONDS
			                                 SIGSTOP one instance, SIGCONT it SECONDS later: a stall (GC, starved CPU)
			  ./platform reset               wipe the local database (the platform must be down)
			  ./platform encrypt VALUE       a {cipher} value for config-repo, encrypted with $ENCRYPT_KEY (offline)
			  ./platform token NAME          a bearer access token of a local account (alice, bob, admin): a real
			                                 sign-in (authorization code with PKCE) through the public entry;
			                                 any other account's password is typed, or read from standard input
			  ./platform accounts            the local accounts and their passwords (made on first use, kept in the
			                                 state directory)
			  ./platform ca                  the path of the local CA's certificate (made on first use, with the edge's
			                                 HTTPS certificate, .platform/edge/tls): curl --cacert "$(./platform ca)" ...
			  ./platform new-service NAME [--entity ENTITY FIELD:TYPE[:unique][:optional]...]
			                             [--plural WORDS] [--port PORT]
			                                 a new domain service in this repository, wired into the build, the
			                                 gateway, the launcher, config, compose, Kubernetes and Prometheus;
			                                 NAME inventory: inventory-service; the entity by default Item
			                                 sku:string:unique name:string quantity:int; types string, int, long,
			                                 decimal, boolean, date; --plural when the rule's is wrong (news)
			  ./platform remove-service NAME takes out what new-service made
			  ./platform bench contention [--orders N] [--clients N] [--skus N] [--stock N]
			  ./platform bench latency|kill|pause|restart|edge|plots [--rate N]
			  ./platform bench sign-in [--count N] [--clients N]
			  ./platform bench startup [--runs N]
			  ./platform bench throughput [--clients N] [--seconds N] [--rounds N]
			  ./platform bench profile [--clients N] [--seconds N]
			  ./platform bench report
			                                 benchmarks against the running platform (see the README)

			Settings (environment): KEEL_STATE_DIR (default .platform), KEEL_PROFILES (default local,dev),
			KEEL_JAVA_OPTS, KEEL_READY_TIMEOUT and KEEL_STOP_TIMEOUT (s), KEEL_START_PARALLELISM (default: cores),
			KEEL_CLASS_ARCHIVES (default on; off: no training runs or class archives, the extracted jars only),
			and the ports KEEL_GATEWAY_PORT 8080, KEEL_GATEWAY_MANAGEMENT_PORT 9080, KEEL_USER_PORT 8081,
			KEEL_USER_MANAGEMENT_PORT 9081, KEEL_ORDER_PORT 8082, KEEL_ORDER_MANAGEMENT_PORT 9082, KEEL_AUTH_PORT 8083,
			KEEL_AUTH_MANAGEMENT_PORT 9083, KEEL_CONFIG_PORT 8888, KEEL_HTTPS_PORT 8443 (the edge's),
			KEEL_DB_PORT 3307; KEEL_PORT_OFFSET=N (up to 22000) moves the defaults by N (a management port follows its API
			port). Every process binds loopback. Replica i of a service listens on its base ports + 100 * (i - 1).
			Configuration: config-server serves config-repo/ from disk; KEEL_CONFIG_REPO=PATH|URL (and KEEL_CONFIG_LABEL,
			default main) serves a Git repository instead. ENCRYPT_KEY, when set, reaches config-server.
			up keeps the profiles, JVM options, class archives, config repository and ports it started with until down:
			every command in between runs with them, whatever its shell sets.""";

	private static final Map<String, String> USAGES = Map.ofEntries(
			Map.entry("up", "./platform up [--replicas N] [--discovery local|nacos] [--gateways N]"),
			Map.entry("down", "./platform down"), Map.entry("ps", "./platform ps"),
			Map.entry("logs", "./platform logs NAME [-f]"),
			Map.entry("restart", "./platform restart SERVICE[#i]|config-server|gateway-service[#i]|edge"),
			Map.entry("kill", "./platform kill SERVICE[#i]"), Map.entry("pause", "./platform pause SERVICE[#i] SECONDS"),
			Map.entry("reset", "./platform reset"), Map.entry("encrypt", "ENCRYPT_KEY=... ./platform encrypt VALUE"),
			Map.entry("token", "./platform token NAME"), Map.entry("accounts", "./platform accounts"),
			Map.entry("ca", "./platform ca"), Map.entry("new-service", NewService.USAGE),
			Map.entry("remove-service", NewService.REMOVE_USAGE),
			Map.entry("bench", "./platform bench contention [--orders N] [--clients N] [--skus N] [--stock N] "
					+ "| latency|kill|pause|restart|edge|plots [--rate N] | sign-in [--count N] [--clients N] | startup [--runs N] "
					+ "| throughput [--clients N] [--seconds N] [--rounds N] | profile [--clients N] [--seconds N] | report"));

	private final Settings settings;

	private final Map<String, String> environment;

	private final Console console;

	Launcher(Settings settings, Map<String, String> environment, Console console) {
		this.settings = settings;
		this.environment = environment;
		this.console = console;
	}

	public static void main(String[] args) {
		System.exit(run(args, Path.of(System.getProperty("keel.root", ".")).toAbsolutePath().normalize(), System.getenv(),
				Console.system()));
	}

	/** Runs one command; returns the exit code. */
	static int run(String[] args, Path root, Map<String, String> environment, Console console) {
		if (args.length == 0 || !USAGES.containsKey(args[0])) {
			if (args.length > 0 && !List.of("help", "-h", "--help").contains(args[0])) {
				console.error("unknown command '" + args[0] + "'");
			}
			console.usage(OVERVIEW);
			return 2;
		}
		String command = args[0];
		List<String> arguments = Arrays.asList(args).subList(1, args.length);
		Settings settings;
		try {
			// up starts a platform with this shell's settings; every other command runs with the ones it was started with.
			List<String> ignored = new ArrayList<>();
			Map<String, String> effective = command.equals("up") ? environment
					: StartSettings.applied(Settings.state(root, environment).resolve("run"), environment, ignored);
			settings = Settings.from(root, effective);
			if (!ignored.isEmpty()) {
				console.error(String.join(", ", ignored) + " of this shell ignored: the platform keeps the settings "
						+ "./platform up started it with until ./platform down");
			}
		}
		catch (UsageException | LauncherException ex) {
			// A setting, not the command's arguments: its usage would point the wrong way.
			console.error(ex.getMessage());
			return 1;
		}
		try {
			new Launcher(settings, environment, console).execute(command, arguments);
			return 0;
		}
		catch (UsageException ex) {
			console.error(ex.getMessage());
			console.usage("usage: " + ((ex.usage() != null) ? ex.usage() : USAGES.get(command)));
			return 1;
		}
		catch (LauncherException ex) {
			console.error(ex.getMessage());
			return 1;
		}
		catch (LocalPlatform.StartFailed ex) {
			return 1;
		}
	}

	static String usage(String command) {
		return USAGES.get(command);
	}

	private void execute(String command, List<String> arguments) {
		LocalPlatform platform = new LocalPlatform(this.settings, this.console);
		switch (command) {
			case "up" -> platform.up(layout(arguments), Reactor.read(this.settings.root()), this.environment);
			case "down" -> {
				noArguments(command, arguments);
				platform.down();
			}
			case "ps" -> {
				noArguments(command, arguments);
				platform.ps();
			}
			case "logs" -> logs(platform, arguments);
			case "kill" -> platform.kill(platform.named(single(command, arguments)));
			case "pause" -> pause(platform, arguments);
			case "restart" -> platform.restart(single(command, arguments), () -> Reactor.read(this.settings.root()));
			case "reset" -> {
				noArguments(command, arguments);
				platform.reset();
			}
			case "encrypt" -> encrypt(platform, single(command, arguments));
			case "token" -> System.out.println(platform.token(single(command, arguments), Launcher::readPassword));
			case "accounts" -> {
				noArguments(command, arguments);
				platform.accounts();
			}
			case "ca" -> {
				noArguments(command, arguments);
				new Edge(this.settings).certificate();
				System.out.println(new LocalCa(this.settings.state()).certificate());
			}
			case "new-service" -> new NewService(this.settings, this.console).create(arguments);
			case "remove-service" -> new NewService(this.settings, this.console).remove(arguments);
			case "bench" -> new Benchmarks(this.settings, platform, this.console).run(arguments);
			default -> throw new IllegalStateException(command);
		}
	}

	private static void pause(LocalPlatform platform, List<String> arguments) {
		if (arguments.size() != 2 || !arguments.get(1).matches("[1-9][0-9]{0,2}")) {
			throw new UsageException("pause takes an instance and a number of seconds (1 to 999)");
		}
		platform.pause(platform.named(arguments.get(0)), Duration.ofSeconds(Integer.parseInt(arguments.get(1))));
	}

	static Topology.Layout layout(List<String> arguments) {
		int replicas = 1;
		int gateways = 0;
		Topology.Discovery discovery = Topology.Discovery.LOCAL;
		for (int i = 0; i < arguments.size(); i++) {
			String argument = arguments.get(i);
			String option = argument.contains("=") ? argument.substring(0, argument.indexOf('=')) : argument;
			if (!List.of("--replicas", "--discovery", "--gateways").contains(option)) {
				throw new UsageException("unknown option '" + argument + "'");
			}
			String value;
			if (argument.contains("=")) {
				value = argument.substring(argument.indexOf('=') + 1);
			}
			else if (i + 1 < arguments.size()) {
				value = arguments.get(++i);
			}
			else {
				throw new UsageException(option + " needs a value");
			}
			if (option.equals("--replicas")) {
				if (!value.matches("[1-9]")) {
					throw new UsageException("--replicas must be between 1 and 9, not '" + value + "'");
				}
				replicas = Integer.parseInt(value);
			}
			else if (option.equals("--gateways")) {
				if (!value.matches("[1-9]")) {
					throw new UsageException("--gateways must be between 1 and 9, not '" + value + "'");
				}
				gateways = Integer.parseInt(value);
			}
			else {
				discovery = Topology.Discovery.parse(value);
			}
		}
		return new Topology.Layout(replicas, discovery, gateways);
	}

	private static void noArguments(String command, List<String> arguments) {
		if (!arguments.isEmpty()) {
			throw new UsageException(command + " takes no arguments");
		}
	}

	private static String single(String command, List<String> arguments) {
		if (arguments.size() != 1) {
			throw new UsageException(command + " takes exactly one argument");
		}
		return arguments.get(0);
	}

	/** A log, or its end followed as it grows ({@code -f}) until interrupted. */
	private void logs(LocalPlatform platform, List<String> arguments) {
		if (arguments.isEmpty() || arguments.size() > 2 || (arguments.size() == 2 && !arguments.get(1).equals("-f"))) {
			throw new UsageException("logs takes a process name and, to follow it, -f");
		}
		Path log = platform.processes().log(platform.named(arguments.get(0)));
		if (!Files.exists(log)) {
			throw new LauncherException("no log for " + arguments.get(0));
		}
		if (arguments.size() == 1) {
			try {
				System.out.write(Files.readAllBytes(log));
				System.out.flush();
			}
			catch (IOException ex) {
				throw new LauncherException("cannot read " + log + ": " + ex.getMessage());
			}
			return;
		}
		Console.tail(log, 100).forEach(this.console::say);
		RandomAccessFile file = null;
		try {
			Object following = null;
			long position = 0;
			while (true) {
				Object current = fileKey(log);
				boolean replaced = file != null && current != null && !current.equals(following);
				if (file != null) {
					// Up to the end of what is open, even when a restart has replaced it: the last lines of the
					// process that stopped.
					position = print(file, position);
				}
				if (file == null || replaced) {
					if (file != null) {
						file.close();
						file = null;
					}
					if (!Files.exists(log)) {
						LocalPlatform.pause(Duration.ofMillis(250));
						continue;
					}
					boolean first = following == null;
					Object opening = fileKey(log);
					file = new RandomAccessFile(log.toFile(), "r");
					if (opening != null && !opening.equals(fileKey(log))) {
						// Replaced while being opened: which file is open is unknown; open again.
						file.close();
						file = null;
						continue;
					}
					following = opening;
					position = first ? file.length() : 0;
					continue;
				}
				LocalPlatform.pause(Duration.ofMillis(250));
			}
		}
		catch (IOException ex) {
			throw new LauncherException("cannot follow " + log + ": " + ex.getMessage());
		}
		finally {
			if (file != null) {
				try {
					file.close();
				}
				catch (IOException ex) {
					// Nothing was written through it.
				}
			}
		}
	}

	/** Prints what the file holds from this position on; where it got to (0 again if it was truncated). */
	private static long print(RandomAccessFile file, long position) throws IOException {
		long length = file.length();
		long from = (length < position) ? 0 : position;
		while (length > from) {
			file.seek(from);
			byte[] bytes = new byte[(int) Math.min(length - from, 1 << 20)];
			file.readFully(bytes);
			from += bytes.length;
			System.out.print(new String(bytes, StandardCharsets.UTF_8));
		}
		System.out.flush();
		return from;
	}

	/** What identifies the file now at this path (device and inode where the OS has them), or null. */
	private static Object fileKey(Path path) {
		try {
			return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
		}
		catch (IOException ex) {
			return null;
		}
	}

	/**
	 * A signed-up account's password: typed at a terminal, not echoed, or else the first line of standard input
	 * ({@code printf '%s' "$PASSWORD" | ./platform token carol}), never an argument that {@code ps} would show.
	 */
	private static String readPassword(String account) {
		java.io.Console terminal = System.console();
		if (interactive(terminal)) {
			char[] typed = terminal.readPassword("password of %s: ", account);
			return (typed != null) ? new String(typed) : null;
		}
		try {
			return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
		}
		catch (IOException ex) {
			throw new LauncherException("could not read the password: " + ex.getMessage());
		}
	}

	/**
	 * Whether the console is a terminal. From JDK 22, {@code System.console()} is there even when input is piped,
	 * and says so through {@code isTerminal()} (called reflectively: the launcher compiles on JDK 17); before, it is
	 * there only for a terminal.
	 */
	private static boolean interactive(java.io.Console console) {
		if (console == null) {
			return false;
		}
		try {
			return (boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
		}
		catch (NoSuchMethodException ex) {
			return true;
		}
		catch (ReflectiveOperationException ex) {
			return false;
		}
	}

	/** Offline: config-server's own encryptor, from its jar, with the key of the environment the value is for. */
	private void encrypt(LocalPlatform platform, String value) {
		if (System.getenv("ENCRYPT_KEY") == null || System.getenv("ENCRYPT_KEY").isBlank()) {
			throw new LauncherException("ENCRYPT_KEY is not set: export the key of the environment the value is for");
		}
		Reactor reactor = Reactor.read(this.settings.root());
		platform.build(reactor, List.of("config-server"));
		List<String> command = List.of(Processes.java(), "-cp",
				reactor.jar("config-server").toString(), "-Dloader.main=dev.keel.config.EncryptCommand",
				"org.springframework.boot.loader.launch.PropertiesLauncher", value);
		try {
			Process process = new ProcessBuilder(command).inheritIO().start();
			if (process.waitFor() != 0) {
				throw new LauncherException("encrypting failed");
			}
		}
		catch (IOException ex) {
			throw new LauncherException("could not run java: " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted");
		}
	}

}
