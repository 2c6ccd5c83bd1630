package dev.keel.system;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.keel.system.Deployment.list;
import static dev.keel.system.Deployment.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every overlay rendered by kubectl kustomize, and the rendered manifests held to what keeps pods up:
 * probes on the actuator groups, a grace period longer than the graceful shutdown, pinned images, no secret
 * in the manifests, a budget and an autoscaler for every deployment.
 */
class KubernetesTests {

	/** Every process the base lists, one file each: a service ./platform new-service adds is held to the same. */
	private static final Set<String> DEPLOYMENTS = list(
			Deployment.documents(Deployment.read("deploy/k8s/base/kustomization.yaml")).get(0).get("resources"))
		.stream()
		.map((file) -> file.toString().replaceFirst("\\.yaml$", ""))
		.collect(Collectors.toSet());

	@ParameterizedTest
	@ValueSource(strings = { "dev", "staging", "prod" })
	void overlayRendersToManifestsThatKeepPodsUp(String environment) {
		assumeTrue(Deployment.available("kubectl", "version", "--client"),
				"kubectl is not installed here (the CI machine has it)");
		Deployment.Result rendered = Deployment.run(Map.of(), "kubectl", "kustomize", "deploy/k8s/overlays/" + environment);
		assertThat(rendered.exitCode()).as(rendered.errors()).isZero();
		List<Map<String, Object>> objects = Deployment.documents(rendered.output());

		assertThat(ofKind(objects, "Secret")).as("secrets are created from a secret store, not committed").isEmpty();
		assertThat(objects).allSatisfy((object) -> assertThat(map(object.get("metadata")).get("namespace"))
			.isEqualTo("keel-" + environment));
		assertThat(names(ofKind(objects, "Deployment"))).isEqualTo(DEPLOYMENTS);
		assertThat(names(ofKind(objects, "Service"))).isEqualTo(DEPLOYMENTS);
		assertThat(names(ofKind(objects, "PodDisruptionBudget"))).isEqualTo(DEPLOYMENTS);
		assertThat(names(ofKind(objects, "HorizontalPodAutoscaler"))).isEqualTo(DEPLOYMENTS);
		Map<String, Object> ingress = ofKind(objects, "Ingress").get(0);
		assertThat(String.valueOf(ingress)).contains("name=gateway-service").contains("path=/api");
		assertEdgeLikeTheLocalOne(ingress);
		Map<String, Object> config = map(ofKind(objects, "ConfigMap").get(0).get("data"));
		assertThat(config).containsEntry("SPRING_PROFILES_ACTIVE", "kubernetes," + environment)
			.containsEntry("NACOS_NAMESPACE", environment);

		for (Map<String, Object> deployment : ofKind(objects, "Deployment")) {
			assertPodStaysUp(deployment, environment);
		}
	}

	/**
	 * The Ingress is the edge here: HTTPS with the namespace's TLS secret for its host, and the limits and retries
	 * of deploy/nginx, which the local run and compose use.
	 */
	@SuppressWarnings("unchecked")
	private static void assertEdgeLikeTheLocalOne(Map<String, Object> ingress) {
		Map<String, Object> spec = map(ingress.get("spec"));
		String host = String.valueOf(map(list(spec.get("rules")).get(0)).get("host"));
		Map<String, Object> tls = map(list(spec.get("tls")).get(0));
		assertThat(tls.get("secretName")).isEqualTo("keel-tls");
		assertThat((List<Object>) tls.get("hosts")).containsExactly(host);
		assertThat(spec.get("ingressClassName")).isEqualTo("nginx");
		Map<String, Object> annotations = map(map(ingress.get("metadata")).get("annotations"));
		String http = Deployment.read("deploy/nginx/keel-http.conf");
		String server = Deployment.read("deploy/nginx/keel-server.conf");
		String proxy = Deployment.read("deploy/nginx/keel-proxy.conf");
		String prefix = "nginx.ingress.kubernetes.io/";
		assertThat(annotations).containsEntry(prefix + "force-ssl-redirect", "true")
			.containsEntry(prefix + "proxy-body-size", directive(http, "client_max_body_size"))
			.containsEntry(prefix + "limit-connections", directive(server, "limit_conn").split(" ")[1])
			.containsEntry(prefix + "proxy-connect-timeout", directive(proxy, "proxy_connect_timeout").replace("s", ""))
			.containsEntry(prefix + "proxy-read-timeout", directive(proxy, "proxy_read_timeout").replace("s", ""))
			.containsEntry(prefix + "proxy-next-upstream-tries", directive(proxy, "proxy_next_upstream_tries"));
		Map<String, Object> controller = map(Deployment
			.documents(Deployment.read("deploy/k8s/ingress-nginx/controller-config.yaml")).get(0).get("data"));
		assertThat(controller).containsEntry("ssl-protocols", directive(http, "ssl_protocols"))
			.containsEntry("ssl-ciphers", directive(http, "ssl_ciphers"))
			.containsEntry("gzip-min-length", directive(http, "gzip_min_length"))
			.containsEntry("large-client-header-buffers", directive(http, "large_client_header_buffers"))
			.containsEntry("client-header-timeout", directive(http, "client_header_timeout").replace("s", ""))
			.containsEntry("client-body-timeout", directive(http, "client_body_timeout").replace("s", ""))
			.containsEntry("limit-conn-status-code", directive(http, "limit_conn_status"));
	}

	/** The value of an Nginx directive in a configuration file (its first occurrence). */
	private static String directive(String configuration, String name) {
		return configuration.lines()
			.map(String::strip)
			.filter((line) -> line.startsWith(name + " "))
			.map((line) -> line.substring(name.length(), line.lastIndexOf(';')).strip())
			.findFirst()
			.orElseThrow(() -> new AssertionError(name + " is not set"));
	}

	private static void assertPodStaysUp(Map<String, Object> deployment, String environment) {
		String name = String.valueOf(map(deployment.get("metadata")).get("name"));
		Map<String, Object> pod = map(map(map(deployment.get("spec")).get("template")).get("spec"));
		Map<String, Object> container = map(list(pod.get("containers")).get(0));
		// Actuator on a port of its own, but on config-server (which serves only configuration and probes).
		String probePort = name.equals("config-server") ? "http" : "management";

		assertThat(map(pod.get("securityContext")).get("runAsNonRoot")).as(name).isEqualTo(true);
		assertThat(String.valueOf(container.get("image"))).as(name).matches(".+:[^:]*\\d[^:]*")
			.doesNotEndWith(":latest");
		assertProbe(name, container, "startupProbe", "/actuator/health/liveness", probePort);
		assertProbe(name, container, "livenessProbe", "/actuator/health/liveness", probePort);
		assertProbe(name, container, "readinessProbe", "/actuator/health/readiness", probePort);
		assertThat(list(container.get("ports"))).extracting((port) -> map(port).get("name")).contains(probePort);
		assertThat(map(container.get("resources")).get("limits")).as(name).isNotNull();

		List<Object> preStop = list(map(map(map(container.get("lifecycle")).get("preStop")).get("exec")).get("command"));
		Duration preStopSleep = Duration.ofSeconds(Long.parseLong(String.valueOf(preStop.get(preStop.size() - 1))
			.replaceAll("\\D+", "")));
		Properties settings = configRepo(environment);
		Duration shutdown = preStopSleep.plus(Deployment.shutdown(settings));
		assertThat(Duration.ofSeconds(((Number) pod.get("terminationGracePeriodSeconds")).longValue()))
			.as("%s: grace period >= preStop + Nacos' wait + propagation delay + drain", name)
			.isGreaterThanOrEqualTo(shutdown);
	}

	private static void assertProbe(String deployment, Map<String, Object> container, String probe, String path,
			String port) {
		Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
		assertThat(get.get("path")).as("%s %s", deployment, probe).isEqualTo(path);
		assertThat(get.get("port")).as("%s %s", deployment, probe).isEqualTo(port);
	}

	/** What the services see in this environment on Kubernetes: application.yml and its profile files. */
	private static Properties configRepo(String environment) {
		return Deployment.configRepo("application.yml", "application-kubernetes.yml",
				"application-" + environment + ".yml");
	}

	private static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
		return objects.stream().filter((object) -> kind.equals(object.get("kind"))).toList();
	}

	private static Set<String> names(List<Map<String, Object>> objects) {
		return objects.stream()
			.map((object) -> String.valueOf(map(object.get("metadata")).get("name")))
			.collect(Collectors.toSet());
	}

}
