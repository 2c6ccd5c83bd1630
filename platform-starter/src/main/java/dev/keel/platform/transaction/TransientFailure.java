package dev.keel.platform.transaction;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;
import java.util.Optional;

import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Which failures of a transaction are worth running it again for, and why. Looks at Spring's translation
 * and at the driver's error codes, because JPA and JDBC translate the same MySQL error differently.
 */
enum TransientFailure {

	DEADLOCK, LOCK_WAIT_TIMEOUT, LOCK_NOT_ACQUIRED, OPTIMISTIC_LOCK, CONNECTION;

	private static final int ER_LOCK_WAIT_TIMEOUT = 1205;

	private static final int ER_LOCK_DEADLOCK = 1213;

	/** The tag value of the retry metric. */
	String tag() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	static Optional<TransientFailure> of(Throwable failure, boolean optimisticLockRetryable) {
		SQLException sql = sqlException(failure);
		if (sql != null) {
			// The error code first: MariaDB reports a lock wait timeout with SQLState 40001 too.
			if (sql.getErrorCode() == ER_LOCK_WAIT_TIMEOUT) {
				return Optional.of(LOCK_WAIT_TIMEOUT);
			}
			if (sql.getErrorCode() == ER_LOCK_DEADLOCK || "40001".equals(sql.getSQLState())) {
				return Optional.of(DEADLOCK);
			}
			if ((sql.getSQLState() != null && sql.getSQLState().startsWith("08"))
					|| sql instanceof SQLTransientConnectionException) {
				return Optional.of(CONNECTION);
			}
		}
		if (failure instanceof OptimisticLockingFailureException) {
			return optimisticLockRetryable ? Optional.of(OPTIMISTIC_LOCK) : Optional.empty();
		}
		if (failure instanceof PessimisticLockingFailureException || failure instanceof ConcurrencyFailureException) {
			return Optional.of(LOCK_NOT_ACQUIRED);
		}
		if (failure instanceof RecoverableDataAccessException || failure instanceof TransientDataAccessResourceException
				|| failure instanceof CannotCreateTransactionException) {
			return Optional.of(CONNECTION);
		}
		return Optional.empty();
	}

	/** The driver's view of a failure, for the log: "SQL error 1213, SQLState 40001". */
	static String describe(Throwable failure) {
		SQLException sql = sqlException(failure);
		return (sql != null) ? "SQL error %d, SQLState %s".formatted(sql.getErrorCode(), sql.getSQLState())
				: failure.getClass().getSimpleName();
	}

	private static SQLException sqlException(Throwable failure) {
		SQLException found = null;
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof SQLException sql) {
				found = sql;
			}
		}
		return found;
	}

}
