package dev.keel.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.io.FileSystemResource;

/**
 * The deployment files and the real tools that read them: docker compose and kubectl.
 */
final class Deployment {

	static final Path ROOT = Path.of(System.getProperty("keel.root", "..")).toAbsolutePath().normalize();

	private Deployment() {
	}

	/** What the services see where these config-repo files apply (application.yml first, later files win). */
	static Properties configRepo(String... files) {
		Properties merged = new Properties();
		for (String file : files) {
			YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
			yaml.setResources(new FileSystemResource(ROOT.resolve("config-repo").resolve(file)));
			merged.putAll(yaml.getObject());
		}
		return merged;
	}

	/**
	 * How long a service takes to stop after SIGTERM at most, with these settings: Spring Cloud Alibaba's wait
	 * after deregistering, keel's propagation delay (deregistered, still serving), and the drain.
	 */
	static Duration shutdown(Properties settings) {
		Object nacosWait = settings.get("spring.cloud.nacos.discovery.graceful-shutdown-wait-time");
		return Duration.ofMillis((nacosWait != null) ? Long.parseLong(nacosWait.toString()) : 10_000)
			.plus(DurationStyle.detectAndParse(settings.get("keel.discovery.propagation-delay").toString()))
			.plus(DurationStyle.detectAndParse(settings.get("spring.lifecycle.timeout-per-shutdown-phase").toString()));
	}

	/** A YAML file or stream of documents as maps (YAML merge keys resolved). */
	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> documents(String yaml) {
		LoaderOptions options = new LoaderOptions();
		options.setMaxAliasesForCollections(200);
		List<Map<String, Object>> documents = new ArrayList<>();
		for (Object document : new Yaml(options).loadAll(yaml)) {
			if (document != null) {
				documents.add((Map<String, Object>) document);
			}
		}
		return documents;
	}

	static String read(String path) {
		try {
			return Files.readString(ROOT.resolve(path));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Runs a tool from the repository root; a missing tool is a result, not an exception. */
	static Result run(Map<String, String> environment, String... command) {
		try {
			ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile());
			builder.environment().putAll(environment);
			Path output = Files.createTempFile("tool-", ".out");
			Path errors = Files.createTempFile("tool-", ".err");
			builder.redirectOutput(output.toFile()).redirectError(errors.toFile());
			Process process = builder.start();
			if (!process.waitFor(120, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				return new Result(-1, "", "timed out");
			}
			Result result = new Result(process.exitValue(), Files.readString(output), Files.readString(errors));
			Files.delete(output);
			Files.delete(errors);
			return result;
		}
		catch (IOException ex) {
			return new Result(127, "", ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	static boolean available(String... command) {
		return run(Map.of(), command).exitCode() == 0;
	}

	@SuppressWarnings("unchecked")
	static Map<String, Object> map(Object value) {
		return (value instanceof Map<?, ?>) ? (Map<String, Object>) value : Map.of();
	}

	@SuppressWarnings("unchecked")
	static List<Object> list(Object value) {
		return (value instanceof List<?>) ? (List<Object>) value : List.of();
	}

	record Result(int exitCode, String output, String errors) {
	}

}
