package dev.keel.launcher;

/**
 * The command line or a setting is wrong: said in one line, with the usage of the command, never a stack trace.
 */
class UsageException extends RuntimeException {

	private final String usage;

	UsageException(String message) {
		this(message, null);
	}

	UsageException(String message, String usage) {
		super(message, null, false, false);
		this.usage = usage;
	}

	/** How the command is used, or {@code null} when the mistake is in a setting. */
	String usage() {
		return this.usage;
	}

}
