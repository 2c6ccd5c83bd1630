package dev.keel.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration repository of the system tests' platform: a Git repository holding a copy of config-repo/,
 * with a few probe values whose precedence {@link ConfigIT} checks, which tests edit and commit to as a team
 * would.
 */
final class ConfigRepository {

	private final Path root;

	private final Path repository;

	ConfigRepository(Path root) {
		this.root = root;
		try {
			this.repository = Files.createTempDirectory("keel-config-");
			Path target = Files.createDirectories(this.repository.resolve("config-repo"));
			try (Stream<Path> files = Files.list(root.resolve("config-repo"))) {
				for (Path file : files.toList()) {
					Files.copy(file, target.resolve(file.getFileName()));
				}
			}
			append("application.yml", "keel.probe.a: application\nkeel.probe.b: application\n"
					+ "keel.probe.c: application\nkeel.probe.d: application\n"
					// Verifiers fetch the issuer's keys often enough for KeyRotationIT to rotate in a minute.
					+ "keel.security.jwks.max-age: 10s\nkeel.security.jwks.unknown-key-interval: 5s\n");
			append("application-local.yml", "keel.probe.e: local\n");
			append("application-dev.yml", "keel.probe.a: application-dev\nkeel.probe.b: application-dev\n"
					+ "keel.probe.e: dev\n");
			append("user-service.yml", "keel.probe.a: user-service\nkeel.probe.b: user-service\n"
					+ "keel.probe.c: user-service\nkeel.probe.secret: '"
					+ encrypt(Platform.ENCRYPT_KEY, "decrypted-with-the-key") + "'\n");
			write("user-service-dev.yml", "keel.probe.a: user-service-dev\nkeel.probe.d: user-service-dev\n");
			git("init", "-q", "-b", "main");
			commit("config-repo");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	Path path() {
		return this.repository;
	}

	/** Replaces text in a file of config-repo/, which must contain it (commit to publish). */
	void replace(String file, String from, String to) {
		try {
			Path path = this.repository.resolve("config-repo").resolve(file);
			String content = Files.readString(path);
			assertThat(content).as(file).contains(from);
			Files.writeString(path, content.replace(from, to));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	void write(String file, String content) {
		try {
			Files.writeString(this.repository.resolve("config-repo").resolve(file), content);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** A file of config-repo/ as the project has it (none if the project has none); commit to publish. */
	void restore(String file) {
		try {
			Path original = this.root.resolve("config-repo").resolve(file);
			Path copy = this.repository.resolve("config-repo").resolve(file);
			if (Files.exists(original)) {
				Files.copy(original, copy, StandardCopyOption.REPLACE_EXISTING);
			}
			else {
				Files.deleteIfExists(copy);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Publishes what changed. Nothing changed is nothing to publish: a class's restore after a test that failed
	 * before it changed anything must not hide that failure behind git's "nothing to commit".
	 */
	void commit(String message) {
		git("add", "-A");
		if (git("status", "--porcelain").isBlank()) {
			return;
		}
		git("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", message);
	}

	/** A {@code {cipher}} value for config-repo, as a team makes it: {@code ./platform encrypt}. */
	String encrypt(String key, String value) {
		try {
			ProcessBuilder builder = new ProcessBuilder(this.root.resolve("platform").toString(), "encrypt", value)
				.directory(this.root.toFile());
			builder.environment().put("ENCRYPT_KEY", key);
			Process process = builder.start();
			String cipher = new String(process.getInputStream().readAllBytes()).trim();
			assertThat(process.waitFor(300, TimeUnit.SECONDS)).isTrue();
			assertThat(cipher).startsWith("{cipher}");
			return cipher;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	void delete() {
		try (Stream<Path> files = Files.walk(this.repository)) {
			files.sorted((a, b) -> b.compareTo(a)).forEach((file) -> file.toFile().delete());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void append(String file, String yaml) throws IOException {
		Files.writeString(this.repository.resolve("config-repo").resolve(file), "\n" + yaml, StandardOpenOption.APPEND);
	}

	private String git(String... args) {
		List<String> command = new ArrayList<>(List.of("git", "-C", this.repository.toString()));
		command.addAll(List.of(args));
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes());
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
			assertThat(process.exitValue()).as(output).isZero();
			return output;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
