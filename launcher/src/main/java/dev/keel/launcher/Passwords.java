package dev.keel.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * The local run's secrets in this state directory, each random, made once and readable by its owner only: each
 * application's config-server password ({@code run/config-server-password-<application>}), the seeded accounts'
 * passwords ({@code run/account-password-<name>}), the secrets of auth-service's confidential clients (each calling
 * service, and keel-web: {@code run/client-secret-<client>}) and the key auth-service signs tokens with ({@code run/auth-signing-key.pem}).
 */
final class Passwords {

	private final Path run;

	Passwords(Path run) {
		this.run = run;
	}

	/** The local run's accounts, seeded by auth-service (config-repo/auth-service-dev.yml). */
	static final List<String> ACCOUNTS = List.of("alice", "bob", "admin");

	String of(String application) {
		return secret("config-server-password-" + application, Passwords::random);
	}

	String account(String name) {
		return secret("account-password-" + name, Passwords::random);
	}

	String clientSecret(String client) {
		return secret("client-secret-" + client, Passwords::random);
	}

	/** A 2048-bit RSA private key, PKCS#8 in PEM. */
	String signingKey() {
		return secret("auth-signing-key.pem", () -> {
			try {
				KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
				generator.initialize(2048);
				String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
					.encodeToString(generator.generateKeyPair().getPrivate().getEncoded());
				return "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n";
			}
			catch (NoSuchAlgorithmException ex) {
				throw new IllegalStateException(ex);
			}
		});
	}

	private synchronized String secret(String name, Supplier<String> make) {
		Path file = this.run.resolve(name);
		try {
			if (!Files.exists(file)) {
				writeOwnerOnly(file, make.get());
			}
			return Files.readString(file).strip();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String random() {
		byte[] secret = new byte[24];
		new SecureRandom().nextBytes(secret);
		return HexFormat.of().formatHex(secret);
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
