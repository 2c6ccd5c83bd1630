package dev.keel.config;

import org.springframework.cloud.context.encrypt.EncryptorFactory;
import org.springframework.security.crypto.encrypt.TextEncryptor;

/**
 * Encrypts a value for config-repo with the key in {@code ENCRYPT_KEY}, offline: no server needs to run,
 * and the key never leaves the shell that has it. {@code ./platform encrypt VALUE} runs it.
 * <pre>
 * ENCRYPT_KEY=... ./platform encrypt 's3cr3t'      # prints {cipher}..., to paste as a quoted YAML value
 * </pre>
 */
public final class EncryptCommand {

	private EncryptCommand() {
	}

	public static void main(String[] args) {
		String key = System.getenv("ENCRYPT_KEY");
		if (key == null || key.isBlank()) {
			System.err.println("ENCRYPT_KEY is not set: export the key of the environment the value is for.");
			System.exit(2);
		}
		if (args.length != 1) {
			System.err.println("usage: ./platform encrypt VALUE");
			System.exit(2);
		}
		TextEncryptor encryptor = new EncryptorFactory().create(key);
		System.out.println("{cipher}" + encryptor.encrypt(args[0]));
	}

}
