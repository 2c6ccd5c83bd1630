package dev.keel.load;

/**
 * What {@code ./platform bench} hands a simulation: system properties, and the access token in the environment.
 */
final class Bench {

	private Bench() {
	}

	/** The access token {@code ./platform bench} hands over in the environment. */
	static String token() {
		String token = System.getenv("KEEL_TOKEN");
		if (token == null || token.isBlank()) {
			throw new IllegalStateException("set KEEL_TOKEN: ./platform bench sets it");
		}
		return token;
	}

	/** A property {@code ./platform bench} sets. */
	static String required(String property) {
		String value = System.getProperty(property);
		if (value == null || value.isBlank()) {
			throw new IllegalStateException("set -D" + property + ": ./platform bench sets it");
		}
		return value;
	}

}
