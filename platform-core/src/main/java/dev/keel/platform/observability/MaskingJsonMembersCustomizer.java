package dev.keel.platform.observability;

import org.springframework.boot.json.JsonWriter;
import org.springframework.boot.logging.structured.StructuredLoggingJsonMembersCustomizer;

/**
 * Masks personal data in every text member of a structured (JSON) log line: the message, MDC values, stack
 * traces. Enabled with {@code logging.structured.json.customizer} (config-repo/application.yml).
 */
public class MaskingJsonMembersCustomizer implements StructuredLoggingJsonMembersCustomizer<Object> {

	@Override
	public void customize(JsonWriter.Members<Object> members) {
		members.applyingValueProcessor(JsonWriter.ValueProcessor.of(String.class, PersonalData::mask));
	}

}
