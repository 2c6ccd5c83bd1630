package dev.keel.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each service's actuator shows, and where, as its bundled application.yml and config-repo/ resolve for every
 * way keel runs (the local run, compose, Kubernetes): actuator on a port of its own, never the API port; outside
 * the local run only health, info and prometheus, no property values; in the local run, env and loggers on
 * loopback only. The running platform proves the local case over HTTP (PlatformEndToEndIT).
 */
class ExposureTests {

	private static final Set<String> PUBLIC_ENDPOINTS = Set.of("health", "info", "prometheus");

	@ParameterizedTest(name = "{0} with {1}")
	@CsvSource(delimiter = ';', value = { "user-service;docker,dev", "order-service;docker,dev",
			"gateway-service;docker,dev", "user-service;kubernetes,dev", "user-service;kubernetes,staging",
			"order-service;kubernetes,staging", "user-service;kubernetes,prod", "order-service;kubernetes,prod",
			"gateway-service;kubernetes,prod" })
	void outsideTheLocalRunActuatorShowsNoValuesAndNothingWritableOnAPortOfItsOwn(String application,
			String profiles) {
		StandardEnvironment environment = environment(application, profiles.split(","));

		assertThat(endpoints(environment)).as("exposed endpoints").isSubsetOf(PUBLIC_ENDPOINTS);
		assertThat(environment.getProperty("management.endpoint.env.show-values", "never")).isNotEqualToIgnoringCase(
				"always");
		assertThat(environment.getProperty("management.server.port")).as("actuator's port")
			.isNotBlank()
			.isNotEqualTo(environment.getProperty("server.port"));
	}

	@ParameterizedTest
	@CsvSource({ "user-service", "order-service", "gateway-service" })
	void theLocalRunShowsValuesAndLevelsOnLoopbackOnly(String application) {
		StandardEnvironment environment = environment(application, "local", "dev");

		assertThat(endpoints(environment)).contains("env", "loggers");
		assertThat(environment.getProperty("management.server.address")).isEqualTo("127.0.0.1");
		assertThat(environment.getProperty("server.address")).isEqualTo("127.0.0.1");
		assertThat(environment.getProperty("management.server.port")).isNotEqualTo(environment.getProperty("server.port"));
	}

	private static List<String> endpoints(StandardEnvironment environment) {
		return Arrays.stream(environment.getProperty("management.endpoints.web.exposure.include", "").split(","))
			.map(String::strip)
			.filter((endpoint) -> !endpoint.isEmpty())
			.toList();
	}

	/**
	 * The application's configuration in Spring Cloud Config's precedence: profile files (the last profile first),
	 * then the application's and the shared file, above what the jar bundles. No environment variables: defaults.
	 */
	private static StandardEnvironment environment(String application, String... profiles) {
		List<Path> files = new ArrayList<>();
		Path configRepo = Deployment.ROOT.resolve("config-repo");
		for (int i = profiles.length - 1; i >= 0; i--) {
			files.add(configRepo.resolve(application + "-" + profiles[i] + ".yml"));
			files.add(configRepo.resolve("application-" + profiles[i] + ".yml"));
		}
		files.add(configRepo.resolve(application + ".yml"));
		files.add(configRepo.resolve("application.yml"));
		files.add(Deployment.ROOT.resolve(application).resolve("src/main/resources/application.yml"));
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		for (Path file : files) {
			if (Files.exists(file)) {
				load(file).forEach(environment.getPropertySources()::addLast);
			}
		}
		return environment;
	}

	private static List<PropertySource<?>> load(Path file) {
		try {
			return new YamlPropertySourceLoader().load(file.toString(), new FileSystemResource(file));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
