package dev.keel.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code ./platform bench ...}: the benchmarks against the running platform, with what each needs of it.
 */
final class Benchmarks {

	private static final Map<String, Set<String>> OPTIONS = Map.ofEntries(
			Map.entry("contention", Set.of("orders", "clients", "skus", "stock")), Map.entry("latency", Set.of("rate")),
			Map.entry("kill", Set.of("rate")), Map.entry("pause", Set.of("rate")), Map.entry("restart", Set.of("rate")),
			Map.entry("edge", Set.of("rate")), Map.entry("sign-in", Set.of("count", "clients")),
			Map.entry("startup", Set.of("runs")), Map.entry("throughput", Set.of("clients", "seconds", "rounds")),
			Map.entry("profile", Set.of("clients", "seconds")), Map.entry("report", Set.of()),
			Map.entry("plots", Set.of("rate")));

	/** Issue 16's memory goal, for each domain service and the gateway under load. */
	private static final long RESIDENT_GOAL_BYTES = 250_000_000L;

	private final Settings settings;

	private final LocalPlatform platform;

	private final Console console;

	private final Figures figures = new Figures();

	/** alice's, once signed in: a benchmark run is shorter than a token's lifetime. */
	private String token;

	Benchmarks(Settings settings, LocalPlatform platform, Console console) {
		this.settings = settings;
		this.platform = platform;
		this.console = console;
	}

	void run(List<String> arguments) {
		if (arguments.isEmpty() || !OPTIONS.containsKey(arguments.get(0))) {
			throw new UsageException(arguments.isEmpty() ? "which benchmark?" : "unknown benchmark '" + arguments.get(0) + "'");
		}
		String scenario = arguments.get(0);
		Map<String, Integer> options = options(arguments.subList(1, arguments.size()), OPTIONS.get(scenario));
		if (List.of("startup", "report").contains(scenario) && !this.settings.classArchives()) {
			throw new LauncherException("bench " + scenario
					+ " times the class archives against the jars: run it without KEEL_CLASS_ARCHIVES=off");
		}
		Topology topology = this.platform.topology();
		if (!this.platform.gatewayReady()) {
			String layout = scenario.equals("edge") ? " --gateways 2"
					: List.of("latency", "contention", "sign-in", "startup", "throughput", "profile", "report")
						.contains(scenario) ? "" : " --replicas 2";
			throw new LauncherException("the platform is not running; ./platform up" + layout + " first");
		}
		try {
			if (scenario.equals("contention")) {
				contention(topology, options, residentKib(topology));
			}
			else if (scenario.equals("startup")) {
				startup(topology, options.getOrDefault("runs", 3));
			}
			else if (scenario.equals("throughput")) {
				throughput(topology, options.getOrDefault("clients", 32), options.getOrDefault("seconds", 15),
						options.getOrDefault("rounds", 2));
			}
			else if (scenario.equals("report")) {
				report(topology);
			}
			else if (scenario.equals("profile")) {
				profile(topology, options.getOrDefault("clients", 32), options.getOrDefault("seconds", 10));
			}
			else if (scenario.equals("sign-in")) {
				signIn(topology, options.getOrDefault("count", 100), options.getOrDefault("clients", 4));
			}
			else {
				resilience(topology, scenario, options.getOrDefault("rate", 50));
			}
		}
		catch (IOException ex) {
			throw new LauncherException("benchmark failed: " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted");
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new LauncherException("benchmark failed: " + ex);
		}
	}

	/**
	 * Fresh hot products for this run, straight into the orders database (the API has no way to add stock), then
	 * the contention scenario through the gateway.
	 *
	 * @param idle what each instance held in memory before any load
	 */
	private void contention(Topology topology, Map<String, Integer> options, Map<Instance, Long> idle)
			throws Exception {
		int orders = options.getOrDefault("orders", 2000);
		int clients = options.getOrDefault("clients", 16);
		int skus = options.getOrDefault("skus", 4);
		int stock = options.getOrDefault("stock", 2000);
		String run = String.valueOf(System.currentTimeMillis() / 1000);
		List<String> list = new ArrayList<>();
		StringBuilder values = new StringBuilder();
		for (int i = 1; i <= skus; i++) {
			String sku = "BENCH-" + run + "-" + i;
			list.add(sku);
			values.append(values.isEmpty() ? "" : ",")
				.append("('%s', 'Benchmark product %d', 1.00, %d)".formatted(sku, i, stock));
		}
		sqlAsOrders("INSERT INTO products (sku, name, price, stock) VALUES " + values);
		this.console.step(orders + " orders by " + clients + " clients over " + skus + " products with " + stock
				+ " in stock each (" + String.join(",", list) + ")");
		List<String> actuators = topology.instancesOf("order-service")
			.stream()
			.map((instance) -> "http://127.0.0.1:" + topology.managementPort(instance))
			.toList();
		Map<Instance, Long> peak = new ConcurrentHashMap<>(idle);
		AtomicReference<RuntimeException> samplingFailure = new AtomicReference<>();
		ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
		sampler.scheduleWithFixedDelay(() -> {
			try {
				residentKib(topology).forEach((instance, kib) -> peak.merge(instance, kib, Math::max));
			}
			catch (RuntimeException ex) {
				// A scheduled task that throws is never run again: say so rather than print idle figures as peaks.
				samplingFailure.compareAndSet(null, ex);
				throw ex;
			}
		}, 0, 1, TimeUnit.SECONDS);
		boolean passed;
		try {
			passed = ContentionBenchmark.run(gateway(), actuators, list, stock, orders, clients,
					gatling("ContentionSimulation"), this.figures);
		}
		finally {
			sampler.shutdownNow();
			sampler.awaitTermination(30, TimeUnit.SECONDS);
		}
		this.console.step("resident memory of each instance: idle before the run, and its peak during it (sampled each second)");
		if (samplingFailure.get() != null) {
			this.console.say("sampling stopped early: " + samplingFailure.get());
		}
		topology.instances()
			.stream()
			.filter((instance) -> idle.containsKey(instance) || peak.containsKey(instance))
			.forEach((instance) -> {
				String figure = String.format(Locale.ROOT, "%s / %d MiB",
						(idle.containsKey(instance) ? String.valueOf(idle.get(instance) / 1024) : "-"),
						peak.get(instance) / 1024);
				this.console.say(String.format(Locale.ROOT, "%-22s idle / under load: %s", instance, figure));
				String what = "RSS of " + instance + ", idle / under load";
				if (instance.application().equals("gateway-service")
						|| Services.names().contains(instance.application())) {
					this.figures.add(what, figure, "<= 238 MiB (250 MB) loaded",
							peak.get(instance) * 1024 <= RESIDENT_GOAL_BYTES);
				}
				else {
					this.figures.add(what, figure);
				}
			});
		if (!passed) {
			throw new LauncherException("the contention benchmark found failures, or lost or duplicated orders");
		}
	}

	/** What each running instance but the edge holds in memory now, in the topology's order. */
	private Map<Instance, Long> residentKib(Topology topology) {
		Map<Instance, Long> resident = new LinkedHashMap<>();
		for (Instance instance : topology.instances()) {
			if (!instance.equals(Instance.EDGE)) {
				this.platform.processes()
					.running(instance)
					.flatMap(Processes::residentKib)
					.ifPresent((kib) -> resident.put(instance, kib));
			}
		}
		return resident;
	}

	/**
	 * Each application's start-up to a refreshed context, from the executable jar, from the extracted jar, and from
	 * the extracted jar with its class archive (what {@code up} runs), in turns so that all three see the same
	 * machine; the median of each. Then what each running instance holds in memory.
	 */
	private void startup(Topology topology, int runs) {
		Reactor reactor = Reactor.read(this.settings.root());
		StartupCache cache = this.platform.startupCache();
		this.console.step("start-up to a refreshed context, median of " + runs + " run(s) each, JDK "
				+ Runtime.version().feature() + ", " + String.join(" ", this.settings.javaOptions()));
		this.console.say(String.format(Locale.ROOT, "%-16s %15s %10s %18s %9s", "application", "executable jar",
				"extracted", "extracted+archive", "vs jar"));
		List<Instance> firsts = new ArrayList<>(List.of(Instance.CONFIG_SERVER));
		Services.names().forEach((service) -> firsts.add(topology.instancesOf(service).get(0)));
		firsts.add(topology.gateways().get(0));
		for (Instance first : firsts) {
			String application = first.application();
			String module = topology.module(first);
			Map<String, String> environment = this.platform.environment(topology, first);
			Path jar = reactor.jar(module);
			StartupCache.Start cached = cache.prepare(module, jar, environment, true);
			List<List<String>> layouts = List.of(List.of("-jar", jar.toString()),
					new StartupCache.Start(Optional.empty(), cached.jar()).arguments(), cached.arguments());
			List<List<Duration>> times = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
			for (int run = 0; run < runs; run++) {
				for (int layout = 0; layout < layouts.size(); layout++) {
					times.get(layout).add(cache.timeToRefresh(module, layouts.get(layout), environment));
				}
			}
			Duration fromJar = median(times.get(0));
			Duration fromArchive = median(times.get(2));
			double share = 100.0 * fromArchive.toMillis() / fromJar.toMillis();
			this.console.say(String.format(Locale.ROOT, "%-16s %15s %10s %18s %8.0f%%", application,
					Console.seconds(fromJar), Console.seconds(median(times.get(1))),
					Console.seconds(fromArchive) + (cached.archive().isEmpty() ? " (none)" : ""), share));
			this.figures.add("start-up of " + application + " (to a refreshed context)",
					String.format(Locale.ROOT, "%s%s, %.0f %% of the jar's %s", Console.seconds(fromArchive),
							cached.archive().isEmpty() ? " (no archive)" : "", share, Console.seconds(fromJar)),
					"<= 25 % of the jar's", share <= 25);
		}
		this.console.step("resident memory of each instance now");
		residentKib(topology).forEach((instance, kib) -> this.console.say(String.format(Locale.ROOT, "%-22s %6d MiB", instance, kib / 1024)));
	}

	private static Duration median(List<Duration> durations) {
		List<Duration> sorted = durations.stream().sorted().toList();
		int middle = sorted.size() / 2;
		return (sorted.size() % 2 == 1) ? sorted.get(middle)
				: sorted.get(middle - 1).plus(sorted.get(middle)).dividedBy(2);
	}

	/**
	 * Sign-ins as alice (authorization code with PKCE, the password hashed and checked each time) by concurrent
	 * clients, straight to auth-service's first instance: what it takes, not the gateway's per-address limit.
	 */
	private void signIn(Topology topology, int count, int clients) throws Exception {
		URI auth = URI.create("http://localhost:" + topology.port(new Instance(Services.AUTH_SERVICE, 1)));
		String password = this.platform.accountPassword("alice");
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		List<Future<Long>> signIns = new ArrayList<>();
		long start = System.nanoTime();
		for (int i = 0; i < count; i++) {
			signIns.add(pool.submit(() -> {
				long begun = System.nanoTime();
				SignIn.accessToken(auth, "alice", password);
				return (System.nanoTime() - begun) / 1_000_000;
			}));
		}
		List<Long> millis = new ArrayList<>();
		int failed = 0;
		for (Future<Long> signedIn : signIns) {
			try {
				millis.add(signedIn.get());
			}
			catch (ExecutionException ex) {
				if (failed++ == 0) {
					this.console.say("first failure: " + ex.getCause().getMessage());
				}
			}
		}
		pool.shutdown();
		double seconds = (System.nanoTime() - start) / 1e9;
		Collections.sort(millis);
		this.console.say(String.format("%d sign-ins by %d clients in %.1f s: %.1f/s, p50 %d ms, p99 %d ms, failed %d", count,
				clients, seconds, millis.size() / seconds, millis.isEmpty() ? 0 : millis.get(millis.size() / 2),
				millis.isEmpty() ? 0 : millis.get((int) Math.ceil(millis.size() * 0.99) - 1), failed));
	}

	/**
	 * GETs of a user and of a product by a closed loop of clients, each signed up for the run, through the first
	 * gateway and straight to the first instance of the service, in turns.
	 */
	private void throughput(Topology topology, int clients, int seconds, int rounds) throws Exception {
		if (topology.replicas() > 1) {
			this.console.say("the gateway spreads over " + topology.replicas() + " instances, the straight path has one: "
					+ "./platform up with one replica compares like with like");
		}
		Accounts accounts = signUp(topology, clients);
		List<ThroughputBenchmark.Path> viaGateway = throughGateway(topology);
		this.console.step("closed loops through " + topology.gateways().get(0)
				+ " and straight to the services' first instances");
		ThroughputBenchmark.run(accounts.clients(), List.of(viaGateway.get(0),
				new ThroughputBenchmark.Path("user straight to user-service", "http://127.0.0.1:"
						+ topology.port(new Instance("user-service", 1)), viaGateway.get(0).path(), Optional.empty()),
				viaGateway.get(1),
				new ThroughputBenchmark.Path("product straight to order-service", "http://127.0.0.1:"
						+ topology.port(new Instance("order-service", 1)), viaGateway.get(1).path(), Optional.empty())),
				Duration.ofSeconds(5), Duration.ofSeconds(seconds), rounds, accounts.tokensExpire(), this.figures);
	}

	/** Accounts signed up for a closed loop, and when the access tokens they were given expire. */
	private record Accounts(List<ThroughputBenchmark.Client> clients, Instant tokensExpire) {
	}

	private Accounts signUp(Topology topology, int clients) throws Exception {
		this.console.step("signing up " + clients + " benchmark accounts, one per client");
		// People's access tokens last 15 minutes (config-repo/auth-service.yml); the first is signed in after this.
		Instant tokensExpire = Instant.now().plus(Duration.ofMinutes(15));
		return new Accounts(ThroughputBenchmark.signUp(
				URI.create("http://localhost:" + topology.port(new Instance(Services.AUTH_SERVICE, 1))), clients),
				tokensExpire);
	}

	/** A user (each client's own) and a product, through the first gateway, with the gateway's CPU time. */
	private List<ThroughputBenchmark.Path> throughGateway(Topology topology) throws Exception {
		Instance gateway = topology.gateways().get(0);
		Optional<Supplier<Duration>> gatewayCpu = Optional.of(() -> this.platform.processes()
			.running(gateway)
			.flatMap((process) -> process.info().totalCpuDuration())
			.orElseThrow(() -> new LauncherException(gateway + " is not running")));
		String base = "http://127.0.0.1:" + topology.port(gateway);
		String sku = mostStocked(gateway());
		return List.of(
				new ThroughputBenchmark.Path("user through the gateway", base,
						(client) -> "/api/v1/users/" + client.profile(), gatewayCpu),
				new ThroughputBenchmark.Path("product through the gateway", base, (client) -> "/api/v1/products/" + sku,
						gatewayCpu));
	}

	/**
	 * The gateway's CPU profile under {@code bench throughput}'s closed loop through it (GETs of a user, then of a
	 * product, {@code seconds} each after a warm-up), by async-profiler: its interactive flame graph, and a flame
	 * graph and a table by library.
	 */
	private void profile(Topology topology, int clients, int seconds) throws Exception {
		Instance gateway = topology.gateways().get(0);
		long pid = this.platform.processes()
			.running(gateway)
			.map(ProcessHandle::pid)
			.orElseThrow(() -> new LauncherException(gateway + " is not running"));
		Path directory = Files.createDirectories(this.settings.state().resolve("profiles"));
		if (directory.toString().contains(",")) {
			throw new LauncherException("async-profiler takes no comma in a file name: KEEL_STATE_DIR=" + directory);
		}
		Path agent = GatewayProfile.agent(this.settings.root(), this.settings.state().resolve("tools"));
		Accounts accounts = signUp(topology, clients);
		List<ThroughputBenchmark.Path> paths = throughGateway(topology);
		Duration warmUp = Duration.ofSeconds(5);
		ThroughputBenchmark.checkTokens(accounts.tokensExpire(),
				warmUp.plusSeconds(seconds).multipliedBy(paths.size()), "fewer --clients or --seconds");
		HttpClient http = ThroughputBenchmark.client();
		this.console.step("warming " + gateway + " up, then profiling it for " + 2 * seconds + " s");
		for (ThroughputBenchmark.Path path : paths) {
			ThroughputBenchmark.closedLoop(http, accounts.clients(), path, warmUp);
		}
		String name = gateway.application() + "-"
				+ DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss", Locale.ROOT).format(LocalDateTime.now());
		Path html = directory.resolve(name + ".html");
		List<ThroughputBenchmark.Result> results = new ArrayList<>();
		Map<List<String>, Long> stacks;
		// Deep reactive stacks make this 100 MB and more: read, folded by library, and deleted.
		Path collapsed = Files.createTempFile(directory, name, ".collapsed");
		try {
			// Stops by itself, a minute after the run's planned end, if the launcher is killed before it stops it.
			GatewayProfile.command(pid, agent, "start,event=cpu,interval=1ms,timeout=" + (2 * seconds + 60));
			Exception failure = null;
			try {
				for (ThroughputBenchmark.Path path : paths) {
					results.add(ThroughputBenchmark.closedLoop(http, accounts.clients(), path,
							Duration.ofSeconds(seconds)));
				}
				GatewayProfile.command(pid, agent, "dump,collapsed,file=" + collapsed);
			}
			catch (Exception ex) {
				failure = ex;
				throw ex;
			}
			finally {
				try {
					GatewayProfile.command(pid, agent, "stop,file=" + html);
				}
				catch (LauncherException ex) {
					if (failure == null) {
						throw ex;
					}
					failure.addSuppressed(ex);
				}
			}
			try (Stream<String> lines = Files.lines(collapsed)) {
				stacks = GatewayProfile.byLibrary(lines);
			}
		}
		finally {
			Files.deleteIfExists(collapsed);
		}
		for (int i = 0; i < paths.size(); i++) {
			ThroughputBenchmark.Result result = results.get(i);
			System.out.printf(Locale.ROOT, "%-28s %7.1f answered/s, p50 %.1f ms, %d failed, gateway CPU %.2f ms/req%n",
					paths.get(i).name(), result.perSecond(), ThroughputBenchmark.p(result.latencies(), 50),
					result.failed(), result.cpuMillisPerRequest());
		}
		long samples = stacks.values().stream().mapToLong(Long::longValue).sum();
		if (samples == 0) {
			throw new LauncherException("async-profiler took no samples of " + gateway + ": see its log");
		}
		System.out.println("the gateway's CPU by library (" + samples
				+ " samples, the JDK's frames counted to their caller):");
		for (Map.Entry<String, Double> share : GatewayProfile.shares(stacks)) {
			System.out.printf(Locale.ROOT, "  %-34s %5.1f %%%n", share.getKey(), 100 * share.getValue());
		}
		Path svg = directory.resolve(name + "-libraries.svg");
		Files.writeString(svg, GatewayProfile.svg(stacks, gateway.application() + ", " + clients
				+ " clients in a closed loop, " + LocalDate.now() + " (" + samples + " samples)"));
		System.out.println("flame graphs: " + html + " (async-profiler's), " + svg + " (by library)");
		this.console.say("async-profiler stays loaded in " + gateway + ", with its memory, until it restarts: "
				+ "./platform restart " + gateway.application());
	}

	/**
	 * The benchmarks behind issue 16's goals, one after the other on the running platform: maximum throughput, then
	 * latency at a fixed rate (both paths warm from the first), contention (with each instance's memory, idle as the
	 * report started and at its peak), start-up, and a restart of every instance in turn; and their figures in one
	 * table at the end, also when a step fails. The levers' before and after are in the README, beside each: most
	 * are code or configuration that a run cannot switch.
	 */
	private void report(Topology topology) throws Exception {
		if (topology.replicas() > 1 || topology.gateways().size() > 1 || topology.edge()) {
			throw new LauncherException("the report compares one instance of each, without an edge: ./platform up");
		}
		Map<Instance, Long> idle = residentKib(topology);
		try {
			this.console.step("1/5 maximum throughput: ./platform bench throughput --rounds 1");
			throughput(topology, 32, 15, 1);
			this.console.step("2/5 latency at a fixed rate, the gateway warm: ./platform bench latency");
			resilience(topology, "latency", 50);
			this.console.step("3/5 orders under contention, and memory: ./platform bench contention");
			contention(topology, Map.of(), idle);
			this.console.step("4/5 start-up: ./platform bench startup --runs 1");
			startup(topology, 1);
			this.console.step("5/5 every instance restarted in turn: ./platform restart, application by application");
			restartEveryInstance(topology);
		}
		finally {
			// What was measured before a failure is still worth the table.
			System.out.println();
			System.out.println("keel, " + LocalDate.now() + ", " + Runtime.getRuntime().availableProcessors()
					+ " cores, JDK " + Runtime.version() + ", " + String.join(" ", this.settings.javaOptions()));
			System.out.print(this.figures.table());
		}
	}

	/** config-server, each service and the gateway restarted in turn, each instance ready before the next. */
	private void restartEveryInstance(Topology topology) {
		List<String> applications = new ArrayList<>(List.of(Instance.CONFIG_SERVER.application()));
		applications.addAll(Services.names());
		applications.add(Instance.GATEWAY.application());
		String figure = "restart of every instance but the db (" + (1 + topology.serviceInstances().size()
				+ topology.gateways().size()) + "), in turn";
		long start = System.nanoTime();
		for (String application : applications) {
			try {
				this.platform.restart(application, () -> Reactor.read(this.settings.root()));
			}
			catch (RuntimeException ex) {
				this.figures.add(figure, "stopped at " + application + ": " + ex.getMessage());
				this.console.say(application + " may be down: ./platform ps shows it, ./platform restart " + application
						+ " starts it");
				throw ex;
			}
		}
		this.figures.add(figure, Console.seconds(Duration.ofNanos(System.nanoTime() - start)) + " (each ready before the "
				+ "next; " + this.settings.restartSettle().toSeconds() + " s pause after each service instance)");
	}

	private void resilience(Topology topology, String scenario, int rate) throws Exception {
		if (!List.of("latency", "edge").contains(scenario) && topology.replicas() < 2) {
			throw new LauncherException("this benchmark needs two instances: ./platform up --replicas 2");
		}
		if (scenario.equals("plots")) {
			// The README's charts: through a SIGKILL, then (the killed instance back) through a rolling restart.
			Path plots = this.settings.root().resolve("docs/benchmarks");
			ResilienceBenchmark.run("kill", rate, this.figures, target(topology, plots));
			this.platform.restart(new Instance("user-service", topology.replicas()).name(),
					() -> Reactor.read(this.settings.root()));
			ResilienceBenchmark.run("restart", rate, this.figures, target(topology, plots));
			return;
		}
		ResilienceBenchmark.run(scenario, rate, this.figures, target(topology, null));
	}

	/**
	 * What the resilience scenarios act on: the last user-service instance is the one killed or stopped.
	 *
	 * @param plots where the scenarios' charts go; null: beside Gatling's report
	 */
	private ResilienceBenchmark.Target target(Topology topology, Path plots) throws Exception {
		Instance victim = new Instance("user-service", topology.replicas());
		Reactor reactor = Reactor.read(this.settings.root());
		return new ResilienceBenchmark.Target(gateway(),
				new Api("http://127.0.0.1:" + topology.port(new Instance("user-service", 1)), token()),
				new Api("http://127.0.0.1:" + topology.port(new Instance("order-service", 1)), token()), victim.name(),
				"user-service@" + topology.discoveredHost() + ":" + topology.port(victim),
				this.platform.processes().log(topology.gateways().get(0)),
				mostStocked(gateway()), () -> this.platform.kill(victim),
				(seconds) -> this.platform.pause(victim, java.time.Duration.ofSeconds(seconds)),
				() -> sentTo(topology, victim), () -> restartEachInstance(reactor),
				topology.edge() ? new Api("https://localhost:" + this.settings.ports().https(), token()) : null,
				edgeClient(topology), new Api("http://127.0.0.1:" + topology.port(topology.gateways().get(0)), token()),
				gatling("SteadyTrafficSimulation"), plots);
	}

	/**
	 * A simulation of load-tests/ against the gateway, as alice, with a token of its own: a run can outlast the one
	 * the benchmark signed in with.
	 */
	private GatlingRun.Starter gatling(String simulation) {
		return (properties) -> {
			Map<String, String> all = new LinkedHashMap<>(properties);
			all.put("gateway", gateway().base());
			return GatlingRun.start(this.settings.root(), this.settings.state(), simulation, all,
					this.platform.token("alice"));
		};
	}

	/**
	 * Every domain service restarted, as {@code ./platform restart} does it, one after the other.
	 *
	 * @return when each instance was restarting: from its stop to its readiness
	 */
	private List<ReportCharts.Event> restartEachInstance(Reactor reactor) {
		List<ReportCharts.Event> restarts = new ArrayList<>();
		for (String service : Services.names()) {
			this.platform.restart(service, () -> reactor,
					(instance, from) -> restarts.add(new ReportCharts.Event(from, Instant.now(), instance.name())));
		}
		return restarts;
	}

	/** A client that trusts the local CA (and only it), for the edge's HTTPS; the usual one without an edge. */
	private HttpClient edgeClient(Topology topology) throws Exception {
		HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(java.time.Duration.ofSeconds(2));
		if (topology.edge()) {
			client.sslContext(new LocalCa(this.settings.state()).trustingContext());
		}
		return client.build();
	}

	/**
	 * Requests the gateways' load balancers sent to the instance, answered or failed, by their Prometheus metrics.
	 */
	private double sentTo(Topology topology, Instance instance) {
		String target = "target=\"" + topology.discoveredHost() + ":" + topology.port(instance) + "\"";
		try {
			StringBuilder metrics = new StringBuilder();
			for (Instance gateway : topology.gateways()) {
				metrics.append(HttpClient.newHttpClient()
					.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + topology.managementPort(gateway)
							+ "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString())
					.body());
			}
			return metrics.toString().lines()
				.filter((line) -> line.startsWith("keel_loadbalancer_requests_total{") && line.contains(target))
				.mapToDouble((line) -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
				.sum();
		}
		catch (IOException ex) {
			throw new LauncherException("reading the gateway's metrics failed: " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted");
		}
	}

	/** The gateway, as alice calls it: the benchmarks act as one signed-in customer. */
	private Api gateway() {
		return new Api("http://127.0.0.1:" + this.settings.ports().gateway(), token());
	}

	private String token() {
		if (this.token == null) {
			this.token = this.platform.token("alice");
		}
		return this.token;
	}

	/** A statement as order-service's account, with the MariaDB client the local database unpacked. */
	private void sqlAsOrders(String sql) throws IOException, InterruptedException {
		java.nio.file.Path client = this.settings.state().resolve("mariadb/base/bin/mariadb");
		Process process = new ProcessBuilder(client.toString(), "--protocol=tcp", "-h", "127.0.0.1", "-P",
				String.valueOf(this.settings.ports().db()), "-u", "orders", "-porders-local", "orders", "-e", sql)
			.inheritIO()
			.start();
		if (process.waitFor() != 0) {
			throw new LauncherException("could not create the benchmark products");
		}
	}

	/** The product with the most stock, so that order load is never refused for stock. */
	private static String mostStocked(Api gateway) throws Exception {
		String body = HttpClient.newHttpClient()
			.send(gateway.request("/api/v1/products?size=100").build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
		Matcher product = Pattern.compile("\"sku\":\"([^\"]+)\"[^}]*\"stock\":(\\d+)").matcher(body);
		String best = null;
		int most = -1;
		while (product.find()) {
			if (Integer.parseInt(product.group(2)) > most) {
				most = Integer.parseInt(product.group(2));
				best = product.group(1);
			}
		}
		if (best == null) {
			throw new IOException("no products at " + gateway);
		}
		return best;
	}

	/** {@code --name N} pairs, each a name the benchmark knows and a positive number. */
	static Map<String, Integer> options(List<String> arguments, Set<String> known) {
		Map<String, Integer> options = new LinkedHashMap<>();
		for (int i = 0; i < arguments.size(); i += 2) {
			String name = arguments.get(i).replaceFirst("^--", "");
			if (!arguments.get(i).startsWith("--") || !known.contains(name)) {
				throw new UsageException("unknown option '" + arguments.get(i) + "'");
			}
			if (i + 1 >= arguments.size() || !arguments.get(i + 1).matches("[1-9][0-9]{0,8}")) {
				throw new UsageException("--" + name + " needs a positive number");
			}
			options.put(name, Integer.parseInt(arguments.get(i + 1)));
		}
		return options;
	}

}
