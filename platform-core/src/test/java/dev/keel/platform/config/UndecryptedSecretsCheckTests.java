package dev.keel.platform.config;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

class UndecryptedSecretsCheckTests {

	private final UndecryptedSecretsCheck check = new UndecryptedSecretsCheck();

	@Test
	void namesEveryPropertyConfigServerCouldNotDecrypt() {
		MockEnvironment environment = new MockEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("configserver:user-service-prod.yml",
					Map.of("invalid.spring.datasource.password", "<n/a>", "spring.datasource.username", "users")));

		assertThatIllegalStateException()
			.isThrownBy(() -> this.check.postProcessEnvironment(environment, new SpringApplication()))
			.withMessageContaining("[spring.datasource.password]")
			.withMessageContaining("ENCRYPT_KEY");
	}

	@Test
	void refusesCipherTextServedAsIsByAServerWithoutKey() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.cloud.nacos.discovery.password",
				"{cipher}9f1c0e");

		assertThatIllegalStateException()
			.isThrownBy(() -> this.check.postProcessEnvironment(environment, new SpringApplication()))
			.withMessageContaining("spring.cloud.nacos.discovery.password");
	}

	@Test
	void acceptsPlainAndDecryptedValues() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.datasource.password", "s3cr3t")
			.withProperty("keel.note", "mentions {cipher} in the middle");

		assertThatNoException().isThrownBy(() -> this.check.postProcessEnvironment(environment, new SpringApplication()));
	}

}
