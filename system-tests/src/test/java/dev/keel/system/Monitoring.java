package dev.keel.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static dev.keel.system.Deployment.list;
import static dev.keel.system.Deployment.map;

/** What deploy/ tells Prometheus and Grafana: the alert rules and the dashboards. */
final class Monitoring {

	static final String RULES = "deploy/prometheus/rules/keel-alerts.yml";

	static final String DASHBOARDS = "deploy/grafana/dashboards";

	private Monitoring() {
	}

	/** Every alerting rule, as written. */
	static List<Map<String, Object>> alerts() {
		List<Map<String, Object>> alerts = new ArrayList<>();
		for (Object group : list(Deployment.documents(Deployment.read(RULES)).get(0).get("groups"))) {
			list(map(group).get("rules")).forEach((rule) -> alerts.add(map(rule)));
		}
		return alerts;
	}

	/** Each dashboard file's name and content. */
	static Map<String, JsonNode> dashboards() {
		Map<String, JsonNode> dashboards = new TreeMap<>();
		JsonMapper json = JsonMapper.builder().build();
		try (Stream<Path> files = Files.list(Deployment.ROOT.resolve(DASHBOARDS))) {
			files.filter((file) -> file.toString().endsWith(".json"))
				.forEach((file) -> dashboards.put(file.getFileName().toString(), json.readTree(file.toFile())));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return dashboards;
	}

	/**
	 * Every query of every dashboard, panels and variables, with Grafana's variables replaced by values
	 * Prometheus accepts.
	 */
	static List<String> dashboardQueries() {
		List<String> queries = new ArrayList<>();
		for (JsonNode dashboard : dashboards().values()) {
			for (JsonNode panel : dashboard.get("panels")) {
				for (JsonNode target : panel.path("targets")) {
					queries.add(target.get("expr").asString());
				}
			}
			for (JsonNode variable : dashboard.path("templating").path("list")) {
				String query = variable.path("query").path("query").asString();
				// label_values(metric{...}, label) reads metric.
				queries.add(query.replaceAll("^label_values\\((.*),\\s*\\w+\\)$", "$1"));
			}
		}
		return queries.stream()
			.map((query) -> query.replace("$__rate_interval", "1m").replaceAll("\\$\\w+", ".*"))
			.toList();
	}

}
