package dev.keel.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./platform new-service} as a team uses it, on a copy of this repository: the service it writes builds and
 * passes its own tests, then runs with the rest of the platform ({@code ./platform up}) and answers through the
 * gateway, with tokens from a real sign-in; {@code remove-service} leaves the copy as it was. First of the system
 * tests, before the shared platform starts (its own platform is on ports of its own, 28xxx, and stopped after).
 */
@Order(0)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NewServiceIT {

	private static final Path ROOT = Path.of(System.getProperty("keel.root", "..")).toAbsolutePath().normalize();

	private static final String PATH = "/api/v1/stock-items";

	private static final String GATEWAY = "http://127.0.0.1:28080";

	/**
	 * Every process 20000 ports above a local run's, away from it and from the shared platform's; started from the
	 * extracted jars, since this platform starts once after its build: six training runs would cost more than the
	 * class archives save.
	 */
	private static final Map<String, String> SETTINGS = Map.of("KEEL_PORT_OFFSET", "20000", "KEEL_CLASS_ARCHIVES",
			"off");

	private static Path copy;

	private static boolean started;

	@BeforeAll
	static void copyTheRepository() throws IOException {
		copy = Files.createTempDirectory("keel-new-service-").resolve("keel");
		Platform.Result files = run(ROOT, 60, Map.of(), "git", "ls-files", "--cached", "--others", "--exclude-standard");
		assertThat(files.exitCode()).as(files.output()).isZero();
		for (String file : files.output().lines().toList()) {
			Path source = ROOT.resolve(file);
			if (Files.isRegularFile(source)) {
				Path target = copy.resolve(file);
				Files.createDirectories(target.getParent());
				Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
			}
		}
		git("init", "-q");
		git("add", "-A");
		git("-c", "user.name=keel", "-c", "user.email=keel@example.com", "commit", "-q", "-m", "as cloned");
	}

	@AfterAll
	static void stopAndDelete() throws IOException {
		try {
			if (started) {
				Platform.Result down = platform(300, "down");
				assertThat(down.exitCode()).as(down.output()).isZero();
			}
		}
		finally {
			try (Stream<Path> tree = Files.walk(copy.getParent())) {
				for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
					Files.deleteIfExists(path);
				}
			}
		}
	}

	@Test
	@Order(1)
	void writesWhatItSaysAndNothingElseAndASecondRunChangesNothing() {
		Platform.Result made = platform(120, "new-service", "inventory", "--entity", "StockItem", "sku:string:unique",
				"name:string", "quantity:int", "unitPrice:decimal", "discontinued:boolean:optional",
				"restockOn:date:optional");
		assertThat(made.exitCode()).as(made.output()).isZero();

		TreeSet<String> reported = new TreeSet<>();
		made.output()
			.lines()
			.filter((line) -> line.matches("  (new|changed) +\\S+"))
			.forEach((line) -> reported.add(line.trim().replaceFirst("^new +", "?? ").replaceFirst("^changed +", "M ")));
		TreeSet<String> status = status();
		assertThat(status).isEqualTo(reported).hasSize(41);

		String diff = git("diff").output();
		Platform.Result again = platform(120, "new-service", "inventory", "--entity", "StockItem", "sku:string:unique",
				"name:string", "quantity:int", "unitPrice:decimal", "discontinued:boolean:optional",
				"restockOn:date:optional");
		assertThat(again.exitCode()).as(again.output()).isZero();
		assertThat(again.output()).contains("inventory-service is in place: nothing changed");
		assertThat(git("diff").output()).isEqualTo(diff);
		assertThat(status()).isEqualTo(status);
	}

	/**
	 * The whole copy builds; the new module's API tests pass on the real embedded MariaDB, writing its API's first
	 * snapshot as new-service says; the deployment checks pass on the compose file, the Kubernetes overlays and
	 * the Prometheus configuration it changed; and its image's build makes its class archive.
	 */
	@Test
	@Order(2)
	void buildsAndPassesItsOwnTestsTheDeploymentChecksAndItsImagesTrainingRun(@TempDir Path image) throws IOException {
		Platform.Result build = run(copy, 1800, Map.of(), "./mvnw", "-o", "-B", "-q", "verify", "-Dkeel.api.write=true",
				"-Dtest=dev.keel.inventory.**,ComposeTests,KubernetesTests,MonitoringTests",
				"-Dit.test=dev.keel.inventory.**", "-Dsurefire.failIfNoSpecifiedTests=false",
				"-Dfailsafe.failIfNoSpecifiedTests=false");
		assertThat(build.exitCode()).as(build.output()).isZero();

		for (String report : List.of(
				"inventory-service/target/surefire-reports/TEST-dev.keel.inventory.stockitems.StockItemApiIT.xml",
				"system-tests/target/surefire-reports/TEST-dev.keel.system.ComposeTests.xml",
				"system-tests/target/surefire-reports/TEST-dev.keel.system.KubernetesTests.xml",
				"system-tests/target/surefire-reports/TEST-dev.keel.system.MonitoringTests.xml")) {
			assertThat(copy.resolve(report)).content(StandardCharsets.UTF_8)
				.contains("failures=\"0\"")
				.contains("errors=\"0\"")
				.doesNotContain("tests=\"0\"");
		}
		assertThat(copy.resolve("api/inventory-service.json")).content(StandardCharsets.UTF_8)
			.contains("\"" + PATH + "/{id}\"")
			.contains("\"unitPrice\"");
		// Its image bakes in a class archive, as the platform's own do.
		ImageClassArchiveIT.assertTheImageBuildMakesAClassArchive(copy, "inventory-service", image);
	}

	@Test
	@Order(3)
	void runsWithThePlatformAndAnswersThroughTheGateway() {
		started = true;
		Platform.Result up = platform(1200, "up");
		assertThat(up.exitCode()).as(up.output()).isZero();
		assertThat(up.output()).doesNotContain("training run");
		// Signed in once each, for real, through the gateway, as ./platform token does.
		Map<String, String> tokens = new ConcurrentHashMap<>();
		Http admin = new Http(GATEWAY, () -> tokens.computeIfAbsent("admin", NewServiceIT::token));
		Http alice = new Http(GATEWAY, () -> tokens.computeIfAbsent("alice", NewServiceIT::token));

		// Ready is not warm: on a starved machine the first call through the gateway may outlast its attempt timeout.
		await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
			.until(() -> alice.get(PATH + "?size=1").status() == 200);
		String sku = "sku-" + UUID.randomUUID();
		Http.Response created = admin.post(PATH, """
				{"sku": "%s", "name": "Blue mug", "quantity": 12, "unitPrice": 7.50, "restockOn": "2027-01-15"}"""
			.formatted(sku));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		assertThat(created.header("Location")).matches(PATH + "/\\d+");

		Http.Response read = alice.get(created.header("Location"));
		assertThat(read.status()).as(read.toString()).isEqualTo(200);
		assertThat(read.json().get("sku").asString()).isEqualTo(sku);
		assertThat(read.json().get("unitPrice").decimalValue()).isEqualByComparingTo("7.50");
		assertThat(read.json().get("version").asLong()).isZero();
		assertThat(alice.post(PATH, "{\"sku\": \"x\", \"name\": \"x\", \"quantity\": 1, \"unitPrice\": 1}").status())
			.as("customers read, administrators change")
			.isEqualTo(403);
		Http.Response duplicate = admin.post(PATH,
				"{\"sku\": \"" + sku + "\", \"name\": \"x\", \"quantity\": 1, \"unitPrice\": 1}");
		assertThat(duplicate.status()).as(duplicate.toString()).isEqualTo(409);
		assertThat(duplicate.header("Content-Type")).isEqualTo("application/problem+json");
		assertThat(duplicate.json().get("type").asString()).endsWith("/duplicate-stock-item");
		assertThat(new Http(GATEWAY).get(PATH).status()).isEqualTo(401);
		Http.Response description = new Http(GATEWAY).get("/api/docs/inventory-service");
		assertThat(description.status()).as(description.toString()).isEqualTo(200);
		assertThat(description.json().get("paths").has(PATH + "/{id}")).isTrue();
	}

	@Test
	@Order(4)
	void removeServiceLeavesTheRepositoryAsItWas() {
		if (started) {
			Platform.Result down = platform(300, "down");
			assertThat(down.exitCode()).as(down.output()).isZero();
			started = false;
		}

		Platform.Result removed = platform(120, "remove-service", "inventory");

		assertThat(removed.exitCode()).as(removed.output()).isZero();
		assertThat(status()).isEmpty();
	}

	/** ./platform token, or an exception while the sign-in fails (the first calls await the gateway's warm-up). */
	private static String token(String account) {
		Platform.Result token = platform(120, "token", account);
		if (token.exitCode() != 0) {
			throw new IllegalStateException("./platform token " + account + " failed:\n" + token.output());
		}
		List<String> lines = token.output().lines().toList();
		return lines.get(lines.size() - 1).trim();
	}

	/** What git sees changed in the copy, one "?? path" or "M path" per file. */
	private static TreeSet<String> status() {
		TreeSet<String> status = new TreeSet<>();
		git("status", "--porcelain", "--untracked-files=all").output()
			.lines()
			.forEach((line) -> status.add(line.trim().replaceFirst("^M +", "M ")));
		return status;
	}

	private static Platform.Result platform(long timeoutSeconds, String... args) {
		List<String> command = new ArrayList<>(List.of("./platform"));
		command.addAll(List.of(args));
		return run(copy, timeoutSeconds, SETTINGS, command.toArray(String[]::new));
	}

	private static Platform.Result git(String... args) {
		List<String> command = new ArrayList<>(List.of("git"));
		command.addAll(List.of(args));
		Platform.Result result = run(copy, 120, Map.of(), command.toArray(String[]::new));
		assertThat(result.exitCode()).as(result.output()).isZero();
		return result;
	}

	/** A command in a directory, with these settings on top of this JVM's. */
	private static Platform.Result run(Path directory, long timeoutSeconds, Map<String, String> settings,
			String... command) {
		ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
		Platform.withoutOwnSettings(builder.environment());
		builder.environment().putAll(settings);
		return Platform.execute(builder, timeoutSeconds);
	}

}
