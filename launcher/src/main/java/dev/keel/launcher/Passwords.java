package dev.keel.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.CopyOption;
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
				writeOwnerOnly(file, HexFormat.of().formatHex(secret));
			}
			return Files.readString(file).strip();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Writes a secret file readable by its owner only, whole or not at all: a temporary file beside it, made
	 * owner-only before anything is written to it, then moved into place with these options (none: a file already
	 * there, say another launcher's, is an error rather than replaced).
	 */
	static void writeOwnerOnly(Path file, String content, CopyOption... options) throws IOException {
		Files.createDirectories(file.getParent());
		Path written = Files.createTempFile(file.getParent(), file.getFileName() + "-", ".tmp");
		if (Files.getFileStore(written).supportsFileAttributeView("posix")) {
			Files.setPosixFilePermissions(written, PosixFilePermissions.fromString("rw-------"));
		}
		Files.writeString(written, content);
		Files.move(written, file, options);
	}

}
