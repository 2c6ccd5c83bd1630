package dev.keel.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Each application's config-server password in this state directory: random, made once, readable by its owner
 * only ({@code run/config-server-password-<application>}).
 */
final class Passwords {

	private final Path run;

	Passwords(Path run) {
		this.run = run;
	}

	synchronized String of(String application) {
		Path file = this.run.resolve("config-server-password-" + application);
		try {
			if (!Files.exists(file)) {
				byte[] secret = new byte[24];
				new SecureRandom().nextBytes(secret);
				Files.createDirectories(this.run);
				Path written = Files.writeString(Files.createTempFile(this.run, "password-", ".tmp"),
						HexFormat.of().formatHex(secret));
				if (Files.getFileStore(written).supportsFileAttributeView("posix")) {
					Files.setPosixFilePermissions(written, PosixFilePermissions.fromString("rw-------"));
				}
				Files.move(written, file);
			}
			return Files.readString(file).strip();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
