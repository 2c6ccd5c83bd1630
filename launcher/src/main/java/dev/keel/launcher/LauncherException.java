package dev.keel.launcher;

/**
 * Something the user has to act on (a port in use, a process that did not start): said in one line, exit 1.
 */
class LauncherException extends RuntimeException {

	LauncherException(String message) {
		super(message, null, false, false);
	}

}
