package dev.keel.platform.transaction;

/**
 * Which attempt of the current {@link RetryableTransaction} is running, for operations that do something
 * differently when retried (for example, take locks in a deadlock-free order after losing a deadlock).
 */
public final class TransactionAttempt {

	private static final ThreadLocal<Integer> CURRENT = new ThreadLocal<>();

	private TransactionAttempt() {
	}

	/**
	 * The number of the running attempt, 1 for the first; 0 outside a {@link RetryableTransaction}.
	 */
	public static int number() {
		Integer attempt = CURRENT.get();
		return (attempt != null) ? attempt : 0;
	}

	/**
	 * Whether the running attempt follows one that failed.
	 */
	public static boolean isRetry() {
		return number() > 1;
	}

	static void set(int attempt) {
		CURRENT.set(attempt);
	}

	static void clear() {
		CURRENT.remove();
	}

}
