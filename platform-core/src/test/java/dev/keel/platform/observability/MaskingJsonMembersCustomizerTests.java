package dev.keel.platform.observability;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.core.env.Environment;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JSON log line as Spring Boot's ECS encoder writes it in docker, Kubernetes, staging and prod, with the
 * customizer configured the way config-repo configures it.
 */
class MaskingJsonMembersCustomizerTests {

	@Test
	void eMailAddressesAreMaskedInTheMessageTheMdcAndTheStackTrace() {
		LoggerContext context = new LoggerContext();
		MockEnvironment environment = new MockEnvironment()
			.withProperty("logging.structured.json.customizer", MaskingJsonMembersCustomizer.class.getName())
			.withProperty("spring.application.name", "user-service");
		context.putObject(Environment.class.getName(), environment);
		StructuredLogEncoder encoder = new StructuredLogEncoder();
		encoder.setContext(context);
		encoder.setFormat("ecs");
		encoder.start();
		LoggingEvent event = new LoggingEvent(getClass().getName(), context.getLogger("keel.test"), Level.WARN,
				"Could not notify ada.lovelace@example.com", new IllegalStateException("mailbox grace@navy.mil full"),
				null);
		event.setMDCPropertyMap(Map.of("traceId", "4bf92f3577b34da6a3ce929d0e0e4736", "customer", "alan@example.org"));

		String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

		assertThat(line).contains("Could not notify a***@example.com")
			.contains("g***@navy.mil")
			.contains("a***@example.org")
			.contains("4bf92f3577b34da6a3ce929d0e0e4736")
			.doesNotContain("ada.lovelace@")
			.doesNotContain("grace@")
			.doesNotContain("alan@");
	}

}
