package dev.keel.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static dev.keel.system.Deployment.list;
import static dev.keel.system.Deployment.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Prometheus' configuration, alert rules and their unit tests checked by promtool (Debian's prometheus
 * package; .ci/run installs it), and Grafana's provisioning held together: every dashboard valid, on the
 * provisioned datasource, where compose mounts it. ObservabilityIT checks that the metrics they read exist.
 */
class MonitoringTests {

	@Test
	void promtoolAcceptsTheConfigurationAndTheRulesAndTheRulesPassTheirTests() {
		assumePromtool();
		assertSucceeds("promtool", "check", "config", "deploy/prometheus/prometheus.yml");
		assertSucceeds("promtool", "check", "rules", Monitoring.RULES);
		assertSucceeds("promtool", "test", "rules", "deploy/prometheus/tests/keel-alerts.test.yml");
	}

	@Test
	void everyDashboardQueryIsValidPromQl(@TempDir Path directory) throws IOException {
		assumePromtool();
		StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-queries\n    rules:\n");
		List<String> queries = Monitoring.dashboardQueries();
		for (int i = 0; i < queries.size(); i++) {
			rules.append("      - record: dashboard:query:").append(i).append('\n');
			rules.append("        expr: '").append(queries.get(i).replace("'", "''")).append("'\n");
		}
		Path file = Files.writeString(directory.resolve("dashboard-queries.yml"), rules);

		assertSucceeds("promtool", "check", "rules", file.toString());
	}

	@Test
	void everyAlertHasASeverityAWordForTheOperatorAndAUnitTest() {
		String tests = Deployment.read("deploy/prometheus/tests/keel-alerts.test.yml");
		assertThat(Monitoring.alerts()).hasSizeGreaterThanOrEqualTo(7).allSatisfy((alert) -> {
			String name = String.valueOf(alert.get("alert"));
			assertThat(map(alert.get("labels")).get("severity")).as(name).isIn("warning", "critical");
			assertThat(map(alert.get("annotations"))).as(name).containsKeys("summary", "description");
			assertThat(tests).as("a promtool test of " + name).contains("alertname: " + name + "\n");
		});
		assertThat(Monitoring.alerts()).extracting((alert) -> alert.get("alert"))
			.contains("KeelInstanceDown", "KeelHighErrorRatio", "KeelHighLatencyP99", "KeelCircuitOpen",
					"KeelTransactionRetryStorm", "KeelGatewayRetryStorm", "KeelDbPoolSaturated",
					"KeelReadinessFlapping");
	}

	@Test
	void dashboardsAreProvisionedFromWhereComposeMountsThemOnTheProvisionedDatasource() {
		Map<String, Object> services = map(Deployment.documents(Deployment.read("docker-compose.yml")).get(0).get("services"));
		List<Object> grafanaVolumes = list(map(services.get("grafana")).get("volumes"));
		List<Object> prometheusVolumes = list(map(services.get("prometheus")).get("volumes"));
		Map<String, Object> provider = map(list(map(documentOf("deploy/grafana/provisioning/dashboards/keel.yml"))
			.get("providers")).get(0));
		Map<String, Object> datasource = map(list(map(documentOf("deploy/grafana/provisioning/datasources/prometheus.yml"))
			.get("datasources")).get(0));

		assertThat(grafanaVolumes).contains("./" + Monitoring.DASHBOARDS + ":" + map(provider.get("options")).get("path") + ":ro",
				"./deploy/grafana/provisioning:/etc/grafana/provisioning:ro");
		assertThat(prometheusVolumes).contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
				"./deploy/prometheus/rules:/etc/prometheus/rules:ro");
		assertThat(list(documentOf("deploy/prometheus/prometheus.yml").get("rule_files")))
			.containsExactly("/etc/prometheus/rules/*.yml");
		assertThat(datasource.get("url")).isEqualTo("http://prometheus:9090");

		Map<String, JsonNode> dashboards = Monitoring.dashboards();
		assertThat(dashboards.keySet()).contains("keel-overview.json", "keel-resilience.json", "keel-database.json",
				"keel-jvm.json");
		Set<String> uids = new HashSet<>();
		dashboards.forEach((file, dashboard) -> {
			assertThat(uids.add(dashboard.get("uid").asString())).as(file + " has its own uid").isTrue();
			for (JsonNode panel : dashboard.get("panels")) {
				if (panel.get("type").asString().equals("row")) {
					continue;
				}
				assertThat(panel.get("datasource").get("uid").asString()).as(file + " " + panel.get("title"))
					.isEqualTo(datasource.get("uid"));
				assertThat(panel.get("targets")).as(file + " " + panel.get("title")).isNotEmpty();
			}
		});
	}

	private static Map<String, Object> documentOf(String path) {
		return Deployment.documents(Deployment.read(path)).get(0);
	}

	private static void assumePromtool() {
		assumeTrue(Deployment.available("promtool", "--version"),
				"promtool is not installed here (.ci/run installs it from Debian's prometheus package)");
	}

	private static void assertSucceeds(String... command) {
		Deployment.Result result = Deployment.run(Map.of(), command);
		assertThat(result.exitCode()).as(String.join(" ", command) + "\n" + result.output() + result.errors()).isZero();
	}

}
