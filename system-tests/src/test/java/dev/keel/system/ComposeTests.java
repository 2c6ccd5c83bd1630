package dev.keel.system;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.boot.convert.DurationStyle;

import static dev.keel.system.Deployment.list;
import static dev.keel.system.Deployment.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * docker-compose.yml, validated by a real compose implementation and held to the rules that make a stack start
 * in order and stay honest: readiness healthchecks, health-gated dependencies, restart policies, memory limits,
 * pinned images, no secret in the file.
 */
class ComposeTests {

	private static final Set<String> KEEL_SERVICES = Set.of("config-server", "auth-service", "user-service",
			"order-service", "gateway-service");

	private static final Map<String, Integer> PROBE_PORTS = Map.of("config-server", 8888, "auth-service", 9083,
			"user-service", 9081, "order-service", 9082, "gateway-service", 9080);

	private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)");

	private final Map<String, Object> compose = Deployment.documents(Deployment.read("docker-compose.yml")).get(0);

	private final Map<String, Object> services = map(this.compose.get("services"));

	@Test
	void aRealComposeImplementationAcceptsIt() {
		String[] command = Deployment.available("docker-compose", "version") ? new String[] { "docker-compose" }
				: Deployment.available("docker", "compose", "version") ? new String[] { "docker", "compose" } : null;
		assumeTrue(command != null, "docker compose is not installed here (.ci/run installs Debian's docker-compose)");
		String[] config = concat(command, "-f", "docker-compose.yml", "config", "-q");

		Deployment.Result result = Deployment.run(everyVariableSet(), config);

		assertThat(result.exitCode()).as(result.errors()).isZero();
		Deployment.Result missing = Deployment.run(Map.of(), config);
		assertThat(missing.exitCode()).as("refuses to start without the secrets of .env").isNotZero();
	}

	@Test
	void servicesStartInOrderOnlyOnceWhatTheyNeedIsHealthy() {
		assertThat(this.services).containsKeys("mysql", "nacos", "nacos-init", "config-server", "user-service",
				"order-service", "gateway-service");
		for (String name : KEEL_SERVICES) {
			Map<String, Object> service = map(this.services.get(name));
			String healthcheck = String.valueOf(map(service.get("healthcheck")).get("test"));
			assertThat(healthcheck).as(name).contains("localhost:" + PROBE_PORTS.get(name) + "/actuator/health/readiness");
			assertThat(service.get("restart")).as(name).isEqualTo("unless-stopped");
			assertThat(service.get("mem_limit")).as(name).isNotNull();
		}
		assertThat(conditions("user-service")).containsEntry("config-server", "service_healthy")
			.containsEntry("mysql", "service_healthy")
			.containsEntry("nacos-init", "service_completed_successfully");
		assertThat(conditions("order-service")).containsEntry("user-service", "service_healthy")
			.containsEntry("config-server", "service_healthy");
		assertThat(conditions("auth-service")).containsEntry("config-server", "service_healthy")
			.containsEntry("mysql", "service_healthy");
		assertThat(conditions("gateway-service")).containsEntry("auth-service", "service_healthy")
			.containsEntry("user-service", "service_healthy")
			.containsEntry("order-service", "service_healthy");
		assertThat(conditions("nacos-init")).containsEntry("nacos", "service_healthy");
		assertThat(String.valueOf(map(map(this.services.get("mysql")).get("healthcheck")).get("test")))
			.contains("mysqladmin ping");
		assertThat(map(this.services.get("user-service")).get("scale")).isEqualTo(2);
	}

	@Test
	void theEdgeIsTheOnlyPublicEntryInFrontOfTwoGatewaysWithItsCertificateFromEnv() throws java.io.IOException {
		Map<String, Object> edge = map(this.services.get("edge"));
		Map<String, Object> gateway = map(this.services.get("gateway-service"));
		assertThat(gateway.get("ports")).as("the gateways are reached through the edge only").isNull();
		assertThat(gateway.get("scale")).isEqualTo(2);
		assertThat(list(edge.get("ports"))).extracting(String::valueOf).containsExactlyInAnyOrder("8443:8443", "8080:8080");
		assertThat(conditions("edge")).containsEntry("gateway-service", "service_healthy");
		List<String> volumes = list(edge.get("volumes")).stream().map(String::valueOf).toList();
		// Every file of deploy/nginx is the edge's, as in the local run.
		try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(Deployment.ROOT.resolve("deploy/nginx"))) {
			files.map((file) -> file.getFileName().toString()).forEach((file) -> assertThat(volumes)
				.contains("./deploy/nginx/" + file + ":/etc/nginx/" + file + ":ro"));
		}
		assertThat(list(edge.get("volumes"))).contains(
				Map.of("type", "bind", "source", "${KEEL_TLS_CERTIFICATE:?set KEEL_TLS_CERTIFICATE in .env}", "target",
						"/etc/nginx/tls/tls.crt", "read_only", true),
				Map.of("type", "bind", "source", "${KEEL_TLS_KEY:?set KEEL_TLS_KEY in .env}", "target",
						"/etc/nginx/tls/tls.key", "read_only", true));
		String nginx = Deployment.read("deploy/nginx/nginx.conf");
		assertThat(nginx).contains("include keel-http.conf;", "include keel-server.conf;", "return 308 https://",
				"Strict-Transport-Security", "server gateway-service:8080 resolve");
		assertThat(String.valueOf(map(this.services.get("edge-exporter")).get("command"))).contains("http://edge:8081/stub_status");
		assertThat(Deployment.read("deploy/prometheus/prometheus.yml")).contains("edge-exporter:9113");
	}

	@Test
	void servicesRunTheDockerRuntimeOnDevAndNacosIsReachableOnBothPorts() {
		for (String name : Set.of("auth-service", "user-service", "order-service", "gateway-service")) {
			assertThat(map(map(this.services.get(name)).get("environment")).get("SPRING_PROFILES_ACTIVE")).as(name)
				.isEqualTo("docker,dev");
		}
		assertThat(list(map(this.services.get("nacos")).get("ports"))).extracting(String::valueOf)
			.anyMatch((port) -> port.startsWith("8848:"))
			.anyMatch((port) -> port.startsWith("9848:"));
	}

	@Test
	void dockerWaitsForAServiceToLeaveNacosAndDrainBeforeKillingIt() {
		Duration shutdown = Deployment
			.shutdown(Deployment.configRepo("application.yml", "application-docker.yml", "application-dev.yml"));
		for (String name : KEEL_SERVICES) {
			Object grace = map(this.services.get(name)).get("stop_grace_period");
			assertThat(grace).as("%s: stop_grace_period (Docker's default of 10 s cuts the drain)", name).isNotNull();
			assertThat(DurationStyle.detectAndParse(grace.toString())).as(name).isGreaterThanOrEqualTo(shutdown);
		}
	}

	@Test
	void imagesArePinnedAndNoSecretIsInTheFile() {
		for (Map.Entry<String, Object> service : this.services.entrySet()) {
			Object image = map(service.getValue()).get("image");
			if (image != null) {
				assertThat(image.toString()).as(service.getKey()).matches(".+:[^:]*\\d[^:]*").doesNotEndWith(":latest");
			}
			for (Map.Entry<String, Object> variable : map(map(service.getValue()).get("environment")).entrySet()) {
				// Where tokens are got (KEEL_TOKEN_URI) is an address, not a secret.
				if (variable.getKey().matches(".*(PASSWORD|TOKEN|SECRET|IDENTITY_VALUE|ENCRYPT_KEY).*")
						&& !variable.getKey().matches(".*_(URI|URL)")) {
					assertThat(String.valueOf(variable.getValue())).as(service.getKey() + " " + variable.getKey())
						.startsWith("${");
				}
			}
		}
		assertThat(Deployment.read("deploy/docker/Dockerfile")).contains("-Djarmode=tools")
			.contains("USER keel")
			.contains("MaxRAMPercentage")
			.containsPattern("ARG JRE_IMAGE=eclipse-temurin:\\d+\\.\\d+\\.\\d+");
	}

	@Test
	void envExampleDocumentsEveryVariableTheFileUses() {
		Set<String> used = new TreeSet<>();
		Matcher matcher = VARIABLE.matcher(Deployment.read("docker-compose.yml"));
		while (matcher.find()) {
			used.add(matcher.group(1));
		}
		Set<String> documented = new TreeSet<>();
		for (String line : Deployment.read(".env.example").lines().toList()) {
			if (line.matches("[A-Z0-9_]+=.*")) {
				documented.add(line.substring(0, line.indexOf('=')));
			}
		}
		assertThat(documented).containsAll(used);
	}

	private Map<String, Object> conditions(String name) {
		Map<String, Object> conditions = new HashMap<>();
		map(map(this.services.get(name)).get("depends_on"))
			.forEach((dependency, spec) -> conditions.put(dependency, map(spec).get("condition")));
		return conditions;
	}

	private static Map<String, String> everyVariableSet() {
		Map<String, String> environment = new HashMap<>();
		for (String line : Deployment.read(".env.example").lines().toList()) {
			if (line.matches("[A-Z0-9_]+=.*")) {
				environment.put(line.substring(0, line.indexOf('=')), "value-for-validation");
			}
		}
		return environment;
	}

	private static String[] concat(String[] first, String... rest) {
		String[] all = new String[first.length + rest.length];
		System.arraycopy(first, 0, all, 0, first.length);
		System.arraycopy(rest, 0, all, first.length, rest.length);
		return all;
	}

}
