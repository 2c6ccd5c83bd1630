package dev.keel.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.keel.launcher.FileEdit.Insertion;
import dev.keel.launcher.FileEdit.ListItem;

/**
 * {@code ./platform new-service NAME}: a new domain service, written into this repository the way user-service is,
 * and wired into everything that runs or deploys the services: the Maven build, the gateway's routes and API docs,
 * the launcher, the local and the compose databases, config-server's accounts, auth-service's scopes, compose,
 * Kubernetes, Prometheus. {@code ./platform remove-service NAME} takes it all out again.
 * <p>
 * Everything is worked out before anything is written: a name, port or file layout that does not fit is refused with
 * nothing changed. Running it again for a service that is in place changes nothing.
 */
final class NewService {

	static final String USAGE = "./platform new-service NAME [--entity ENTITY FIELD:TYPE[:unique][:optional]...] "
			+ "[--plural WORDS] [--port PORT]";

	static final String REMOVE_USAGE = "./platform remove-service NAME";

	private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]{1,19}");

	/** What names the platform's own parts, its tools and the directories of this repository have. */
	private static final Set<String> RESERVED_NAMES = Set.of("gateway", "config", "auth", "user", "order", "platform",
			"launcher", "system", "load", "deploy", "local", "api", "docs", "edge", "nacos", "mysql", "db",
			"prometheus", "grafana", "keel", "test", "tests", "web",
			// OpenID Connect's own scopes, and MySQL's own databases: the service's scope and database take its name.
			"openid", "profile", "email", "address", "phone", "sys", "information", "performance", "root", "mariadb");

	private final Path root;

	/** Where the local run's gateway listens (KEEL_PORT_OFFSET moves it), for the commands it prints. */
	private final int gatewayPort;

	private final Console console;

	NewService(Settings settings, Console console) {
		this.root = settings.root();
		this.gatewayPort = settings.ports().gateway();
		this.console = console;
	}

	/**
	 * The names a service's parts take from its own: inventory -> inventory-service, package dev.keel.inventory,
	 * database and account inventory, scope inventory, INVENTORY_DB_PASSWORD.
	 * @param path the collection its API serves, /api/v1/items
	 */
	record Names(String name, int port, String path) {

		String service() {
			return this.name + "-service";
		}

		String javaPackage() {
			return "dev.keel." + this.name;
		}

		String applicationClass() {
			return Character.toUpperCase(this.name.charAt(0)) + this.name.substring(1) + "ServiceApplication";
		}

		int managementPort() {
			return this.port + 1000;
		}

		String database() {
			return this.name;
		}

		String scope() {
			return this.name;
		}

		String upperName() {
			return this.name.toUpperCase(Locale.ROOT);
		}

		/** CONFIG_SERVER_PASSWORD_INVENTORY_SERVICE */
		String configPasswordSetting() {
			return Topology.configServerPasswordVariable(service());
		}

		String databasePasswordSetting() {
			return upperName() + "_DB_PASSWORD";
		}

	}

	void create(List<String> arguments) {
		if (arguments.isEmpty() || arguments.get(0).startsWith("--")) {
			throw new UsageException("new-service needs the service's name first, such as inventory");
		}
		String name = name(arguments.get(0));
		Entity entity = Entity.parse(Entity.SAMPLE);
		Integer port = null;
		String plural = null;
		for (int i = 1; i < arguments.size(); i++) {
			String option = arguments.get(i);
			if (option.equals("--entity")) {
				int end = i + 1;
				while (end < arguments.size() && !arguments.get(end).startsWith("--")) {
					end++;
				}
				entity = Entity.parse(arguments.subList(i + 1, end));
				i = end - 1;
			}
			else if (option.equals("--plural") && i + 1 < arguments.size()) {
				plural = arguments.get(++i);
			}
			else if (option.equals("--port") && i + 1 < arguments.size()) {
				String value = arguments.get(++i);
				if (!value.matches("[1-9][0-9]{3,4}")) {
					throw new UsageException("--port takes a port number, not '" + value + "'");
				}
				port = Integer.parseInt(value);
			}
			else {
				throw new UsageException("unknown option '" + option + "'");
			}
		}
		if (plural != null) {
			entity = entity.withPlural(plural);
		}
		String service = name + "-service";
		if (port == null) {
			// Its own, when it is made already: running the command again changes nothing.
			port = Services.isService(service) ? Services.DEFAULT_PORTS.get(service) : freePort(name);
		}
		else if (!Services.isService(service)) {
			checkedPort(name, port);
		}
		Names names = new Names(name, port, "/api/v1/" + entity.pathSegment());
		Map<String, String> files = new ServiceCode(this.root, names, entity).files();
		List<FileEdit> edits = wiring(names);

		List<String> present = files.keySet().stream().filter((file) -> Files.exists(this.root.resolve(file))).toList();
		if (Files.exists(this.root.resolve(names.service())) || !present.isEmpty()) {
			if (present.size() == files.size() && edits.stream().allMatch((edit) -> edit.isIn(content(edit.file())))) {
				this.console.say(names.service() + " is in place: nothing changed");
				return;
			}
			throw new LauncherException(names.service() + " exists (" + (present.isEmpty() ? names.service() + "/"
					: present.get(0)) + "): pick another name, or take it out with ./platform remove-service " + name);
		}
		if (Services.isService(names.service())) {
			throw new LauncherException(names.service() + " is in the launcher's list already: pick another name");
		}
		refuseTaken(names);
		Map<String, String> changed = applied(edits);
		files.forEach(this::write);
		changed.forEach(this::write);

		this.console.say("Made " + names.service() + " (" + entity.name() + " at " + names.path() + ", port "
				+ names.port() + ", management " + names.managementPort() + "):");
		new TreeSet<>(files.keySet()).forEach((file) -> this.console.say("  new      " + file));
		changed.keySet().forEach((file) -> this.console.say("  changed  " + file));
		this.console.say("");
		this.console.say("Next:");
		this.console.say("  ./mvnw -pl " + names.service() + " -am verify -Dkeel.api.write=true");
		this.console.say("      its tests, which write its API's first snapshot, api/" + names.service()
				+ ".json: review it, and commit it with the rest");
		this.console.say("  ./platform down; ./platform up");
		this.console.say("      runs it with the rest (auth-service learns its scope, " + names.scope()
				+ ", when it starts); then, through the gateway:");
		this.console.say("  curl -H \"Authorization: Bearer $(./platform token admin)\" http://localhost:"
				+ this.gatewayPort + names.path());
		this.console.say("Swagger UI lists it at http://localhost:" + this.gatewayPort + "/api/docs. A compose stack "
				+ "whose MySQL volume exists needs its database and account made by hand (deploy/mysql/init runs on an "
				+ "empty volume only). Undo: ./platform remove-service " + name);
	}

	void remove(List<String> arguments) {
		if (arguments.size() != 1) {
			throw new UsageException("remove-service takes the name of one service");
		}
		String name = arguments.get(0).replaceFirst("-service$", "");
		// The platform's own services are not new-service's to take out.
		if (!NAME.matcher(name).matches() || RESERVED_NAMES.contains(name) || Entity.JAVA_KEYWORDS.contains(name)) {
			throw new UsageException("remove-service takes out a service new-service made, not '" + arguments.get(0)
					+ "'");
		}
		String service = name + "-service";
		Names names = madeAs(name);
		refuseUncommitted(service);
		List<FileEdit> edits = wiring(names);
		List<String> missing = edits.stream()
			.filter((edit) -> !edit.isIn(content(edit.file())))
			.map(FileEdit::file)
			.distinct()
			.toList();
		if (!missing.isEmpty()) {
			throw new LauncherException(service + " is not wired in as ./platform new-service wrote it (" + missing
				.get(0) + " has changed): nothing removed; take it out by hand");
		}
		Map<String, String> contents = new LinkedHashMap<>();
		for (FileEdit edit : edits) {
			String content = contents.computeIfAbsent(edit.file(), this::read);
			contents.put(edit.file(), edit.undo(content));
		}
		for (FileEdit edit : edits) {
			if (edit.isIn(contents.get(edit.file()))) {
				throw new LauncherException("could not take " + service + " out of " + edit.file()
						+ " cleanly: nothing removed; take it out by hand");
			}
		}
		contents.forEach(this::write);
		List<String> removed = new ArrayList<>(List.of(service, "config-repo/" + service + ".yml",
				"config-repo/" + service + "-staging.yml", "config-repo/" + service + "-prod.yml",
				"deploy/k8s/base/" + service + ".yaml", "api/" + service + ".json"));
		removed.removeIf((file) -> !Files.exists(this.root.resolve(file)));
		for (String file : removed) {
			try {
				FileTrees.delete(this.root.resolve(file));
			}
			catch (IOException ex) {
				throw new LauncherException("could not remove " + file + ": " + ex.getMessage());
			}
		}
		this.console.say("Removed " + service + ":");
		removed.forEach((file) -> this.console.say("  removed  " + file));
		contents.keySet().forEach((file) -> this.console.say("  changed  " + file));
	}

	/**
	 * The names a service new-service made was made with: its port and path from its own files, or, if its module is
	 * gone already, from what wires it in.
	 */
	private Names madeAs(String name) {
		String service = name + "-service";
		Matcher port = Pattern.compile("\\$\\{PORT:(\\d+)}")
			.matcher(content(service + "/src/main/resources/application.yml"));
		Matcher path = Pattern.compile("\"\\[(/api/v1/[a-z0-9-]+)/\\*\\*]\"")
			.matcher(content("config-repo/" + service + ".yml"));
		Matcher route = Pattern.compile("(?m)^ +uri: lb://" + Pattern.quote(service)
				+ "\n +predicates:\n +- Path=(/api/v1/[a-z0-9-]+)/\\*\\*$")
			.matcher(content("config-repo/gateway-service.yml"));
		Integer base = port.find() ? Integer.valueOf(port.group(1)) : Services.DEFAULT_PORTS.get(service);
		String api = path.find() ? path.group(1) : route.find() ? route.group(1) : null;
		if (base == null || api == null) {
			throw new LauncherException(service + " was not made by ./platform new-service, or is gone already: "
					+ "nothing removed");
		}
		return new Names(name, base, api);
	}

	/**
	 * Refuses to take out a service with work git does not have: changes to what was committed, or new files in a
	 * module that was (a module never committed is all new, as new-service made it). Outside a git repository there is
	 * nothing to ask.
	 */
	private void refuseUncommitted(String service) {
		if (git("rev-parse", "--is-inside-work-tree") == null) {
			return;
		}
		List<String> paths = List.of(service, "config-repo/" + service + ".yml", "config-repo/" + service + "-staging.yml",
				"config-repo/" + service + "-prod.yml", "deploy/k8s/base/" + service + ".yaml", "api/" + service + ".json");
		List<String> tracked = new ArrayList<>(List.of("ls-files", "--"));
		tracked.addAll(paths);
		List<String> status = new ArrayList<>(List.of("status", "--porcelain", "--untracked-files=all", "--"));
		status.addAll(paths);
		String committed = git(tracked.toArray(String[]::new));
		String changes = git(status.toArray(String[]::new));
		if (committed == null || changes == null) {
			throw new LauncherException("git could not tell whether " + service + " has uncommitted work: nothing removed");
		}
		List<String> unsaved = changes.lines()
			.filter((line) -> !line.startsWith("??") || committed.lines().anyMatch((file) -> file.startsWith(service + "/")))
			.toList();
		if (!unsaved.isEmpty()) {
			throw new LauncherException(service + " has work git does not have (" + unsaved.get(0).trim() + "): commit "
					+ "or discard it first, so that removing it loses nothing; nothing removed");
		}
	}

	/** What git prints, or null when it fails or is not there. */
	private String git(String... arguments) {
		List<String> command = new ArrayList<>(List.of("git"));
		command.addAll(List.of(arguments));
		try {
			Path output = Files.createTempFile("keel-git-", ".out");
			try {
				Process git = new ProcessBuilder(command).directory(this.root.toFile())
					.redirectOutput(output.toFile())
					.redirectError(ProcessBuilder.Redirect.DISCARD)
					.start();
				if (!git.waitFor(1, TimeUnit.MINUTES)) {
					git.destroyForcibly();
					return null;
				}
				return (git.exitValue() == 0) ? Files.readString(output) : null;
			}
			finally {
				Files.delete(output);
			}
		}
		catch (IOException ex) {
			return null;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted");
		}
	}

	/** A database, scope, route or path another service has: it would be shared, and taken out with this one. */
	private void refuseTaken(Names names) {
		String databases = content("deploy/local-db/src/main/java/dev/keel/localdb/EmbeddedMariaDb.java");
		String auth = content("config-repo/auth-service.yml");
		String gateway = content("config-repo/gateway-service.yml");
		String name = names.name();
		if (Services.SCOPES.contains(name) || databases.contains("new Database(\"" + name + "\"")
				|| Pattern.compile("(?m)^ +scopes: .*\\b" + name + "\\b").matcher(auth).find()
				|| Pattern.compile("(?m)^ +- id: " + name + "$").matcher(gateway).find()
				|| gateway.contains("\n      " + name + ":\n        replenish-rate:")
				|| gateway.contains("\n      " + name + ":\n        base-config:")) {
			throw new UsageException("'" + name + "' is already a scope, database, route or rate limit of another "
					+ "service: pick another name");
		}
		if (Pattern.compile("(?m)^ +- Path=.*" + Pattern.quote(names.path()) + "(/\\*\\*)?(,|$)").matcher(gateway).find()) {
			throw new UsageException(names.path() + " is another service's: pick another entity name");
		}
	}

	private static String name(String argument) {
		String name = argument.replaceFirst("-service$", "");
		if (!NAME.matcher(name).matches()) {
			throw new UsageException("a service's name is one word: a lower-case letter, then lower-case letters or "
					+ "digits, 2 to 20 in all (inventory makes inventory-service), not '" + argument + "'");
		}
		// The package takes the name: Java's keywords are out.
		if (RESERVED_NAMES.contains(name) || Entity.JAVA_KEYWORDS.contains(name)) {
			throw new UsageException("'" + name + "' is taken by the platform, or by Java: pick another name");
		}
		return name;
	}

	/** The first base port from 8084 up that neither it nor any of its replicas' ports takes from another process. */
	private static int freePort(String name) {
		for (int port = 8084; port < 8100; port++) {
			if (clash(port) == null) {
				return port;
			}
		}
		throw new UsageException("no free port between 8084 and 8099 for " + name + ": pick one with --port");
	}

	private static void checkedPort(String name, int port) {
		int highest = 65535 - 1000 - 100 * (Settings.Ports.MAX_INSTANCES - 1) - Settings.Ports.MAX_OFFSET;
		if (port < 1024 || port > highest) {
			throw new UsageException("--port " + port + " must be between 1024 and " + highest + ": its management port "
					+ "(+1000), its replicas' (+100 each, up to " + Settings.Ports.MAX_INSTANCES
					+ ") and KEEL_PORT_OFFSET (up to " + Settings.Ports.MAX_OFFSET + ") must keep it below 65536");
		}
		String clash = clash(port);
		if (clash != null) {
			throw new UsageException("--port " + port + " for " + name + ": " + clash + "; pick another");
		}
	}

	/** What a service on this base port would collide with, or null. */
	private static String clash(int port) {
		// The launcher's own defaults (Settings), not a copy of them.
		Settings.Ports defaults = Settings.Ports.from(Map.of());
		Map<Integer, String> taken = new LinkedHashMap<>();
		for (int replica = 0; replica < Settings.Ports.MAX_INSTANCES; replica++) {
			int step = 100 * replica;
			defaults.services().forEach((service, ports) -> {
				taken.put(ports.api() + step, service);
				taken.put(ports.management() + step, service + "'s management");
			});
		}
		// The gateway, or the edge and up to 9 gateways behind it, each on the public port + 100 i.
		for (int gateway = 0; gateway <= Settings.Ports.MAX_INSTANCES; gateway++) {
			taken.put(defaults.gateway() + 100 * gateway, "the gateway");
			taken.put(defaults.gatewayManagement() + 100 * gateway, "the gateway's management");
		}
		taken.put(defaults.https(), "the edge's HTTPS");
		taken.put(defaults.config(), "config-server");
		taken.put(defaults.db(), "the local database");
		// What compose and a local Nacos publish.
		Map.of(8848, "Nacos", 9848, "Nacos' gRPC", 9849, "Nacos' gRPC", 9090, "Prometheus", 3000, "Grafana", 9113,
				"the edge's exporter")
			.forEach(taken::put);
		for (int replica = 0; replica < Settings.Ports.MAX_INSTANCES; replica++) {
			for (int own : List.of(port + 100 * replica, port + 1000 + 100 * replica)) {
				if (taken.containsKey(own)) {
					return "port " + own + " (instance " + (replica + 1) + ") is " + taken.get(own) + "'s";
				}
			}
		}
		return null;
	}

	/** Every change to the files that exist, in the order they are made. */
	List<FileEdit> wiring(Names names) {
		String service = names.service();
		String name = names.name();
		List<FileEdit> edits = new ArrayList<>();
		// The build, and the system tests, which start every service the launcher knows.
		edits.add(new Insertion("pom.xml", "    <module>" + service + "</module>\n", "the module",
				FileEdit.beforeLine(line("    <module>gateway-service</module>"))));
		edits.add(new Insertion("system-tests/pom.xml", """
				    <dependency>
				      <groupId>dev.keel</groupId>
				      <artifactId>%s</artifactId>
				      <version>${project.version}</version>
				      <type>pom</type>
				      <scope>test</scope>
				      <exclusions>
				        <exclusion>
				          <groupId>*</groupId>
				          <artifactId>*</artifactId>
				        </exclusion>
				      </exclusions>
				    </dependency>
				""".formatted(service), "the build-order dependency",
				FileEdit.beforeLineAbove(line("      <artifactId>gateway-service</artifactId>"), line("    <dependency>"))));
		// The launcher: its service list and ports, the scopes ./platform token asks for, the local database.
		edits.add(new Insertion("launcher/src/main/java/dev/keel/launcher/Services.java",
				",\n\t\t\t\"" + service + "\", " + names.port(), "the service and its port",
				FileEdit.beforeClosing(Pattern.compile("DEFAULT_PORTS = orderedMap\\("), ");")));
		edits.add(new Insertion("launcher/src/main/java/dev/keel/launcher/Services.java", ", \"" + names.scope() + "\"",
				"the scope", FileEdit.beforeClosing(Pattern.compile("SCOPES = List\\.of\\("), ");")));
		edits.add(new Insertion("deploy/local-db/src/main/java/dev/keel/localdb/EmbeddedMariaDb.java",
				",\n\t\t\tnew Database(\"%s\", \"%s\", \"%s-local\")".formatted(names.database(), names.database(),
						names.database()),
				"the database", FileEdit.beforeClosing(Pattern.compile("PLATFORM_DATABASES = List\\.of\\("), ");")));
		// config-server's account for it; auth-service's scope for it, on the clients people sign in with.
		edits.add(new Insertion("config-server/src/main/resources/application.yml",
				"      %s: ${%s:}\n".formatted(service, names.configPasswordSetting()), "its account",
				FileEdit.afterLastLine(line("    clients:"),
						Pattern.compile("      [a-z0-9-]+: \\$\\{CONFIG_SERVER_PASSWORD_.*"))));
		edits.add(new ListItem("config-repo/auth-service.yml",
				Pattern.compile("^ +scopes: (openid(?:,[a-z0-9:]+)*)$", Pattern.MULTILINE), ",", names.scope()));
		gateway(names, edits);
		compose(names, edits);
		kubernetes(names, edits);
		edits.add(new Insertion("deploy/README.md",
				"  --from-literal=config-server-password-%s=\"$(openssl rand -hex 24)\" \\\n".formatted(service),
				"the secret", FileEdit.afterLastLine(null,
						Pattern.compile("  --from-literal=config-server-password-[a-z0-9-]+-service=.*"))));
		edits.add(new ListItem("deploy/README.md",
				Pattern.compile("values: \\[(config-server(?:, [a-z0-9-]+)*)]"), ", ", service));
		edits.add(new Insertion("deploy/prometheus/prometheus.yml", """
				  - job_name: %s
				    metrics_path: /actuator/prometheus
				    dns_sd_configs:
				      - names: [%s]
				        type: A
				        port: %d              # management; %d is the API
				        refresh_interval: 10s

				""".formatted(service, service, names.managementPort(), names.port()), "the scrape job",
				FileEdit.beforeLine(line("  - job_name: gateway-service"))));
		edits.add(new Insertion(".env.example", names.databasePasswordSetting() + "=\n", "the database password",
				FileEdit.afterLastLine(null, Pattern.compile("[A-Z0-9_]+_DB_PASSWORD=.*"))));
		edits.add(new Insertion(".env.example", names.configPasswordSetting() + "=\n", "config-server's password",
				FileEdit.afterLastLine(null, Pattern.compile("CONFIG_SERVER_PASSWORD_[A-Z0-9_]+_SERVICE=.*"))));
		String database = names.database();
		edits.add(new Insertion("deploy/mysql/init/01-databases.sh",
				"CREATE DATABASE IF NOT EXISTS %s CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;\n".formatted(database),
				"the database", FileEdit.afterLastLine(null, Pattern.compile("CREATE DATABASE IF NOT EXISTS .*"))));
		edits.add(new Insertion("deploy/mysql/init/01-databases.sh",
				"CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '${%s}';\n".formatted(database,
						names.databasePasswordSetting()),
				"the account",
				FileEdit.afterLastLine(null, Pattern.compile("CREATE USER IF NOT EXISTS .*"))));
		edits.add(new Insertion("deploy/mysql/init/01-databases.sh",
				"GRANT ALL PRIVILEGES ON %s.* TO '%s'@'%%';\n".formatted(database, database), "the grant",
				FileEdit.afterLastLine(null, Pattern.compile("GRANT ALL PRIVILEGES ON .*"))));
		return edits;
	}

	private static void gateway(Names names, List<FileEdit> edits) {
		String service = names.service();
		String route = names.name();
		String file = "config-repo/gateway-service.yml";
		edits.add(new Insertion(file, """
				            - id: %s
				              uri: lb://%s
				              predicates:
				                - Path=%s/**
				              metadata:
				                connect-timeout: 1000    # ms
				                response-timeout: 5000   # ms, per attempt
				              filters:
				                - name: RateLimit
				                  args:
				                    replenish-rate: ${keel.gateway.rate-limits.%s.replenish-rate}
				                    burst-capacity: ${keel.gateway.rate-limits.%s.burst-capacity}
				                - RouteCircuitBreaker
				                - name: SafeRetry
				                  args:
				                    retries: 2
				                    first-backoff: 50ms
				                    max-backoff: 500ms
				                    budget: 11s
				                - RemoveRequestHeader=Cookie
				""".formatted(route, service, names.path(), route, route), "the route",
				FileEdit.beforeCommentedLine(line("            - id: docs-ui"))));
		edits.add(new Insertion(file, """
				            - id: %s-docs
				              uri: lb://%s
				              predicates:
				                - Path=/api/docs/%s
				                - Method=GET
				              metadata: *docs-timeouts
				              filters: *docs-filters
				""".formatted(service, service, service), "the route to its API description",
				FileEdit.afterBlockOfLast(null, Pattern.compile("            - id: [a-z0-9-]+-docs"))));
		edits.add(new Insertion(file, "      - name: %s\n        url: /api/docs/%s\n".formatted(service, service),
				"its API description in Swagger UI",
				FileEdit.afterLastLine(line("    urls:"), Pattern.compile("        url: /api/docs/[a-z0-9-]+"))));
		edits.add(new Insertion(file, "      \"[%s/**]\": %s\n".formatted(names.path(), names.scope()), "the scope it needs",
				FileEdit.afterBlockOfLast(null, line("    required-scopes:"))));
		edits.add(new Insertion(file, "      %s:\n        base-config: default\n".formatted(route), "the circuit breaker",
				FileEdit.afterBlockOfLast(line("resilience4j:"), line("    instances:"))));
		edits.add(new Insertion(file, """
				      %s:
				        replenish-rate: 100      # tokens per second
				        burst-capacity: 200
				""".formatted(route), "the rate limit", FileEdit.afterBlockOfLast(null, line("    rate-limits:"))));
		edits.add(new Insertion("config-repo/gateway-service-prod.yml", """
				      %s:
				        replenish-rate: 50
				        burst-capacity: 100
				""".formatted(route), "the rate limit", FileEdit.afterBlockOfLast(null, line("    rate-limits:"))));
	}

	private static void compose(Names names, List<FileEdit> edits) {
		String service = names.service();
		String file = "docker-compose.yml";
		String databasePassword = names.databasePasswordSetting();
		String configPassword = names.configPasswordSetting();
		edits.add(new Insertion(file, """
				  %s:
				    <<: *service
				    build:
				      context: .
				      dockerfile: deploy/docker/Dockerfile
				      args:
				        MODULE: %s
				    environment:
				      <<: *service-environment
				      %s: ${%s:?set %s in .env}
				      CONFIG_SERVER_PASSWORD: ${%s:?set %s in .env}
				    healthcheck:
				      test: ["CMD-SHELL", "curl -fsS http://localhost:%d/actuator/health/readiness >/dev/null"]
				      interval: 5s
				      timeout: 3s
				      retries: 30
				      start_period: 40s

				""".formatted(service, service, databasePassword, databasePassword, databasePassword, configPassword,
				configPassword, names.managementPort()), "the service",
				FileEdit.beforeLine(line("  gateway-service:"))));
		edits.add(new Insertion(file, "      %s: ${%s:?set %s in .env}\n".formatted(databasePassword, databasePassword,
				databasePassword), "the database password", line("  mysql:"),
				FileEdit.afterLastLine(line("  mysql:"), Pattern.compile("      [A-Z0-9_]+_DB_PASSWORD: .*"))));
		edits.add(new Insertion(file, "      %s: ${%s:?set %s in .env}\n".formatted(configPassword, configPassword,
				configPassword), "config-server's password for it",
				FileEdit.afterLastLine(line("  config-server:"),
						Pattern.compile("      CONFIG_SERVER_PASSWORD_[A-Z0-9_]+_SERVICE: .*"))));
		edits.add(new Insertion(file, "      %s:\n        condition: service_healthy\n".formatted(service),
				"the gateway's wait for it", line("  gateway-service:"),
				FileEdit.afterBlockOfLast(line("  gateway-service:"), Pattern.compile("      [a-z0-9-]+-service:"))));
	}

	private void kubernetes(Names names, List<FileEdit> edits) {
		String service = names.service();
		edits.add(new Insertion("deploy/k8s/base/kustomization.yaml", "  - %s.yaml\n".formatted(service), "the resource",
				FileEdit.beforeLine(line("  - gateway-service.yaml"))));
		edits.add(new Insertion("deploy/k8s/base/config-server.yaml", """
				            - name: %s
				              valueFrom:
				                secretKeyRef:
				                  name: keel-secrets
				                  key: config-server-password-%s
				""".formatted(names.configPasswordSetting(), service), "its password",
				FileEdit.afterBlockOfLast(null, Pattern.compile("            - name: CONFIG_SERVER_PASSWORD_[A-Z0-9_]+"))));
		for (String environment : List.of("dev", "staging", "prod")) {
			String overlay = "deploy/k8s/overlays/" + environment + "/";
			// Found again by its name, not by its text: that follows the gateway's and the first service's.
			edits.add(new Insertion(overlay + "kustomization.yaml", image(overlay + "kustomization.yaml", service),
					"the image", null,
					Pattern.compile("(?m)^  - name: keel/" + Pattern.quote(service) + "\n(?:    .*\n)*"),
					FileEdit.beforeLine(line("  - name: keel/gateway-service"))));
			edits.add(new Insertion(overlay + "scale.yaml", scale(overlay + "scale.yaml", service), "the scale", null,
					Pattern.compile("(?m)^---\n(?:(?!---\n).*\n)*?[ -]*name: " + Pattern.quote(service)
							+ "\n(?:(?!---\n).*\n)*"),
					FileEdit.atEnd()));
		}
	}

	/** The overlay's image for the service: from the registry and at the version the gateway's is. */
	private String image(String kustomization, String service) {
		Matcher gateway = Pattern.compile("^  - name: keel/gateway-service\n(?:    .*\n)*", Pattern.MULTILINE)
			.matcher(content(kustomization));
		if (!gateway.find()) {
			throw new LauncherException(kustomization + " has no image keel/gateway-service for " + service
					+ "'s to follow: nothing was changed");
		}
		return gateway.group().replace("gateway-service", service);
	}

	/**
	 * The overlay's scale for the service: the replicas, autoscaling range and resources it gives the first domain
	 * service it lists, as further documents.
	 */
	private String scale(String file, String service) {
		String content = content(file);
		List<String> documents = List.of(content.replaceFirst("^(#.*\n)+", "").split("(?m)^---\n"));
		Pattern named = Pattern.compile("(?m)^  name: ([a-z0-9-]+-service)$");
		String model = documents.stream()
			.map(named::matcher)
			.filter(Matcher::find)
			.map((matcher) -> matcher.group(1))
			.filter((name) -> !List.of("gateway-service", "auth-service", "config-server").contains(name))
			.findFirst()
			.orElse(null);
		if (model == null) {
			throw new LauncherException(file + " scales no domain service for " + service + " to follow: nothing was "
					+ "changed");
		}
		StringBuilder scale = new StringBuilder();
		for (String document : documents) {
			Matcher matcher = named.matcher(document);
			if (matcher.find() && matcher.group(1).equals(model)) {
				scale.append("---\n").append(document.replaceAll("(?m)^( *(?:- )?name: )" + Pattern.quote(model) + "$",
						"$1" + service));
			}
		}
		return scale.toString();
	}

	private static Pattern line(String line) {
		return Pattern.compile(Pattern.quote(line));
	}

	/** The files the edits change, as they will be: refused, with nothing written, when one has no place for its edit. */
	private Map<String, String> applied(List<FileEdit> edits) {
		Map<String, String> contents = new LinkedHashMap<>();
		for (FileEdit edit : edits) {
			String content = contents.containsKey(edit.file()) ? contents.get(edit.file()) : read(edit.file());
			if (content == null) {
				throw new LauncherException(edit.file() + " is missing: nothing was changed");
			}
			contents.put(edit.file(), edit.isIn(content) ? content : edit.apply(content));
		}
		return contents;
	}

	/** The file's content; empty when it is missing, which no edit is in. */
	private String content(String file) {
		return Objects.requireNonNullElse(read(file), "");
	}

	private String read(String file) {
		Path path = this.root.resolve(file);
		try {
			return Files.exists(path) ? Files.readString(path) : null;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void write(String file, String content) {
		Path path = this.root.resolve(file);
		try {
			Files.createDirectories(path.getParent());
			Files.writeString(path, content);
		}
		catch (IOException ex) {
			throw new LauncherException("could not write " + file + ": " + ex.getMessage());
		}
	}

}
