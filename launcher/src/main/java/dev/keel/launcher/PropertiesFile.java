package dev.keel.launcher;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Settings kept in the state directory between commands, readable by their owner only: some are secrets. */
final class PropertiesFile {

	private PropertiesFile() {
	}

	static void write(Path file, Map<String, String> settings, String comment) {
		Properties properties = new Properties();
		properties.putAll(settings);
		try {
			StringWriter text = new StringWriter();
			properties.store(text, comment);
			Passwords.writeOwnerOnly(file, text.toString(), StandardCopyOption.REPLACE_EXISTING);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The settings in the file, none if there is none. */
	static Map<String, String> read(Path file) {
		if (!Files.exists(file)) {
			return Map.of();
		}
		Properties properties = new Properties();
		try (Reader reader = Files.newBufferedReader(file)) {
			properties.load(reader);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Map<String, String> settings = new LinkedHashMap<>();
		properties.stringPropertyNames().forEach((name) -> settings.put(name, properties.getProperty(name)));
		return settings;
	}

	static void delete(Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
