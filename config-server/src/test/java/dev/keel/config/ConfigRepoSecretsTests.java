package dev.keel.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.FileSystemResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No plaintext secret in config-repo for staging or prod: every password, secret or token there is a
 * {@code {cipher}} value, or comes from the environment.
 */
class ConfigRepoSecretsTests {

	private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|token|credential|private-key).*");

	@Test
	void stagingAndProductionSecretsAreEncrypted() throws IOException {
		List<Path> files;
		try (Stream<Path> all = Files.list(Path.of("../config-repo"))) {
			files = all.filter((file) -> file.getFileName().toString().matches(".*-(staging|prod)\\.ya?ml")).toList();
		}
		assertThat(files).isNotEmpty();
		List<String> plaintext = new ArrayList<>();
		for (Path file : files) {
			YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
			yaml.setResources(new FileSystemResource(file));
			for (Map.Entry<Object, Object> property : yaml.getObject().entrySet()) {
				String key = property.getKey().toString();
				String value = property.getValue().toString();
				if (SECRET_KEY.matcher(key).matches() && !value.startsWith("{cipher}") && !value.startsWith("${")) {
					plaintext.add(file.getFileName() + ": " + key);
				}
			}
		}
		assertThat(plaintext).as("plaintext secrets").isEmpty();
	}

}
