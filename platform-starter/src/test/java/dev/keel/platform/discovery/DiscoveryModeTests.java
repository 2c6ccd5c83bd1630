package dev.keel.platform.discovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.alibaba.cloud.nacos.NacosDiscoveryProperties;
import com.alibaba.cloud.nacos.NacosServiceAutoConfiguration;
import com.alibaba.cloud.nacos.discovery.NacosDiscoveryAutoConfiguration;
import com.alibaba.cloud.nacos.util.UtilIPv6AutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.FileSystemResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The discovery modes as config-repo/ defines them: what a service would register, where, and as whom.
 * NacosIT (system-tests) proves the same against a real Nacos.
 */
class DiscoveryModeTests {

	private static final Path CONFIG_REPO = Path.of("../config-repo");

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UtilAutoConfiguration.class, UtilIPv6AutoConfiguration.class,
				NacosServiceAutoConfiguration.class, NacosDiscoveryAutoConfiguration.class))
		.withPropertyValues("spring.application.name=user-service", "server.port=8081");

	@Test
	void nacosModeRegistersTheReachableAddressWithVersionAndZoneInTheEnvironmentsNamespace() {
		this.runner
			.withInitializer((context) -> configRepo(context.getEnvironment().getPropertySources(),
					Map.of("NACOS_SERVER_ADDR", "nacos-0.nacos:8848,nacos-1.nacos:8848", "NACOS_USERNAME", "keel",
							"NACOS_PASSWORD", "s3cret", "NACOS_DISCOVERY_IP", "10.1.2.3", "KEEL_VERSION", "1.4.2",
							"KEEL_ZONE", "eu-west-1a"),
					"docker", "dev"))
			.run((context) -> {
				NacosDiscoveryProperties nacos = context.getBean(NacosDiscoveryProperties.class);
				assertThat(nacos.getServerAddr()).isEqualTo("nacos-0.nacos:8848,nacos-1.nacos:8848");
				assertThat(nacos.getNamespace()).isEqualTo("dev");
				assertThat(nacos.getGroup()).isEqualTo("KEEL");
				assertThat(nacos.getUsername()).isEqualTo("keel");
				assertThat(nacos.getPassword()).isEqualTo("s3cret");
				assertThat(nacos.getIp()).isEqualTo("10.1.2.3");
				assertThat(nacos.getMetadata()).containsEntry("version", "1.4.2").containsEntry("zone", "eu-west-1a");
				assertThat(nacos.getService()).isEqualTo("user-service");
			});
	}

	@Test
	void productionTakesItsNacosPasswordEncryptedFromConfigRepo() {
		this.runner
			.withInitializer((context) -> configRepo(context.getEnvironment().getPropertySources(),
					Map.of("NACOS_PASSWORD", "plaintext-from-env"), "docker", "prod"))
			.run((context) -> assertThat(context.getBean(NacosDiscoveryProperties.class).getPassword())
				.as("config-server decrypts it before a service sees it").startsWith("{cipher}"));
	}

	@Test
	void eachEnvironmentHasItsOwnNamespace() {
		List<String> namespaces = new ArrayList<>();
		for (String environment : List.of("dev", "staging", "prod")) {
			this.runner
				.withInitializer((context) -> configRepo(context.getEnvironment().getPropertySources(), Map.of(),
						"docker", environment))
				.run((context) -> namespaces.add(context.getBean(NacosDiscoveryProperties.class).getNamespace()));
		}
		assertThat(namespaces).containsExactly("dev", "staging", "prod");
	}

	@Test
	void withoutAnIpOverrideNacosPicksTheInstancesOwnAddress() {
		this.runner
			.withInitializer((context) -> configRepo(context.getEnvironment().getPropertySources(), Map.of(),
					"docker", "dev"))
			.run((context) -> assertThat(context.getBean(NacosDiscoveryProperties.class).getIp()).isNotBlank());
	}

	@Test
	void localModeSwitchesNacosOffAndListsNoInstancesOfItsOwn() {
		this.runner
			.withInitializer((context) -> configRepo(context.getEnvironment().getPropertySources(), Map.of(),
					"local", "dev"))
			.run((context) -> {
				assertThat(context).doesNotHaveBean(NacosDiscoveryProperties.class);
				// ./platform lists every instance; a list here would be merged into Nacos' in nacos mode.
				assertThat(context.getEnvironment()
					.getProperty("spring.cloud.discovery.client.simple.instances.user-service[0].uri")).isNull();
			});
	}

	@Test
	void localNacosModeIsTheLocalProfileWithNacosSwitchedOnByTheEnvironment() {
		this.runner
			.withInitializer((context) -> configRepo(context.getEnvironment().getPropertySources(),
					Map.of("spring.cloud.nacos.discovery.enabled", "true", "NACOS_DISCOVERY_IP", "127.0.0.1"),
					"local", "dev"))
			.run((context) -> {
				NacosDiscoveryProperties nacos = context.getBean(NacosDiscoveryProperties.class);
				assertThat(nacos.getIp()).isEqualTo("127.0.0.1");
				assertThat(nacos.getNamespace()).isEqualTo("dev");
				assertThat(nacos.getGroup()).isEqualTo("KEEL");
				assertThat(nacos.getGracefulShutdownWaitTime()).as("one shutdown sequence: keel's").isZero();
				assertThat(nacos.getNacosProperties()).containsEntry("namingPushEmptyProtection", "true");
			});
	}

	/**
	 * Adds config-repo's application files in Spring Cloud Config's precedence (later profiles win), with
	 * the given environment variables on top.
	 */
	private static void configRepo(MutablePropertySources sources, Map<String, Object> env, String... profiles) {
		sources.addFirst(new MapPropertySource("env", env));
		List<String> files = new ArrayList<>();
		for (int i = profiles.length - 1; i >= 0; i--) {
			files.add("application-" + profiles[i] + ".yml");
		}
		files.add("application.yml");
		for (String file : files) {
			for (PropertySource<?> source : load(CONFIG_REPO.resolve(file))) {
				sources.addLast(source);
			}
		}
	}

	private static List<PropertySource<?>> load(Path file) {
		try {
			assertThat(Files.exists(file)).as(file.toString()).isTrue();
			return new YamlPropertySourceLoader().load(file.toString(), new FileSystemResource(file));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
