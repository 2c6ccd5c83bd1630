package dev.keel.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.io.FileSystemResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Time budgets nest, in every environment, as config-repo sets them: what a client waits for contains the
 * gateway's route budget, which contains at least one whole attempt, which contains the longest the service
 * may take (its calls to other services, its retried transaction, a pool wait and a lock wait).
 */
class GatewayBudgetTests {

	/** What the README tells API clients to wait at most. */
	private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(20);

	@ParameterizedTest
	@ValueSource(strings = { "", "dev", "staging", "prod" })
	void routeBudgetsContainTheServicesWorstCase(String environment) {
		Properties gateway = load(environment, "application", "gateway-service");
		Properties orders = load(environment, "application", "order-service");
		Properties users = load(environment, "application", "user-service");

		Duration userCall = userServiceCall(orders);
		Duration placeOrder = userCall.plus(transaction(orders));
		Duration userRequest = poolWait(users).plus(lockWait(users));

		assertRoute(gateway, 0, "users", userRequest);
		assertRoute(gateway, 1, "orders", placeOrder);
	}

	private static void assertRoute(Properties gateway, int index, String id, Duration serviceWorstCase) {
		String route = "spring.cloud.gateway.server.webflux.routes[" + index + "]";
		assertThat(value(gateway, route + ".id")).isEqualTo(id);
		Duration attempt = Duration.ofMillis(Long.parseLong(value(gateway, route + ".metadata.response-timeout")));
		Duration budget = duration(gateway, route + ".filters[2].args.budget");
		assertThat(value(gateway, route + ".filters[2].name")).isEqualTo("SafeRetry");

		assertThat(attempt).as("%s: one attempt may take what the service may take", id)
			.isGreaterThanOrEqualTo(serviceWorstCase);
		assertThat(budget).as("%s: the budget holds at least one whole attempt", id).isGreaterThanOrEqualTo(attempt);
		// SafeRetry answers 504 a second past the budget, whatever held the request.
		assertThat(CLIENT_TIMEOUT).as("%s: clients wait longer than the gateway's budget", id)
			.isGreaterThan(budget.plusSeconds(1));
	}

	/**
	 * Fetching order-service's own token (when it has none), then attempts x (connect + read + backoff) of its
	 * calls to user-service.
	 */
	private static Duration userServiceCall(Properties orders) {
		String client = "keel.clients.user-service.";
		String token = "keel.client-credentials.";
		return duration(orders, token + "connect-timeout").plus(duration(orders, token + "read-timeout"))
			.plus(duration(orders, client + "connect-timeout").plus(duration(orders, client + "read-timeout"))
				.plus(duration(orders, client + "backoff"))
				.multipliedBy(Long.parseLong(value(orders, client + "max-attempts"))));
	}

	/** No attempt starts after max-total-time; the last one may still wait for a connection and a lock. */
	private static Duration transaction(Properties service) {
		return duration(service, "keel.transactions.retry.max-total-time").plus(poolWait(service)).plus(lockWait(service));
	}

	private static Duration poolWait(Properties service) {
		return Duration.ofMillis(Long.parseLong(value(service, "spring.datasource.hikari.connection-timeout")));
	}

	private static Duration lockWait(Properties service) {
		return Duration.ofSeconds(Long.parseLong(value(service, "keel.db.lock-wait-timeout-seconds")));
	}

	private static Duration duration(Properties properties, String key) {
		return DurationStyle.detectAndParse(value(properties, key));
	}

	/** YAML numbers arrive as numbers, which {@code getProperty} ignores. */
	private static String value(Properties properties, String key) {
		Object value = properties.get(key);
		assertThat(value).as(key).isNotNull();
		return value.toString();
	}

	/**
	 * What a service sees in an environment: the files in Spring Cloud Config's order, later ones winning.
	 */
	private static Properties load(String environment, String... names) {
		Properties merged = new Properties();
		for (String name : names) {
			for (String file : environment.isEmpty() ? List.of(name + ".yml")
					: List.of(name + ".yml", name + "-" + environment + ".yml")) {
				FileSystemResource resource = new FileSystemResource("../config-repo/" + file);
				if (resource.exists()) {
					YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
					yaml.setResources(resource);
					merged.putAll(yaml.getObject());
				}
			}
		}
		return merged;
	}

}
