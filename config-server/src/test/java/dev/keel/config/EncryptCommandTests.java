package dev.keel.config;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.context.encrypt.EncryptorFactory;

import static org.assertj.core.api.Assertions.assertThat;

class EncryptCommandTests {

	@Test
	void refusesWithoutAKey() throws Exception {
		ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", System.getProperty("java.class.path"), EncryptCommand.class.getName(), "p@ss word"))
			.redirectErrorStream(true);
		builder.environment().remove("ENCRYPT_KEY");
		Process process = builder.start();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		String output = new String(process.getInputStream().readAllBytes()).trim();

		assertThat(process.exitValue()).as(output).isEqualTo(2);
		assertThat(output).contains("ENCRYPT_KEY is not set");
	}

	@Test
	void encryptsWithTheKeyFromTheEnvironment() throws Exception {
		ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", System.getProperty("java.class.path"), EncryptCommand.class.getName(), "p@ss word"));
		builder.environment().put("ENCRYPT_KEY", "a-key-for-this-test");
		Process process = builder.start();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		String output = new String(process.getInputStream().readAllBytes()).trim();

		assertThat(output).startsWith("{cipher}");
		assertThat(new EncryptorFactory().create("a-key-for-this-test").decrypt(output.substring("{cipher}".length())))
			.isEqualTo("p@ss word");
	}

}
