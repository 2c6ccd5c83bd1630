package dev.keel.system;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PromQlTests {

	@Test
	void findsTheMetricsOfAnExpressionAndNothingElse() {
		assertThat(PromQl.metricNames("""
				(sum by (application) (rate(http_server_requests_seconds_count{status=~"5..", uri!~"/actuator.*"}[5m]))
				 or 0 * sum by (application) (rate(http_server_requests_seconds_count[$__rate_interval])))
				/ on (application) group_left sum by (application) (keel_readiness) > 0.05
				and histogram_quantile(0.99, sum by (le) (rate(spring_cloud_gateway_requests_seconds_bucket[1m]))) > 1e3
				"""))
			.containsExactly("http_server_requests_seconds_count", "keel_readiness",
					"spring_cloud_gateway_requests_seconds_bucket");
		assertThat(PromQl.metricNames(
				"label_replace(rate(keel_gateway_retries_total[5m]), \"route\", \"$1\", \"routeId\", \"(.*)\") unless up == 0"))
			.containsExactly("keel_gateway_retries_total", "up");
	}

}
