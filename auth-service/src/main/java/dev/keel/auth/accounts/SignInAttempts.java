package dev.keel.auth.accounts;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.keel.platform.transaction.RetryableTransaction;

/**
 * Sign-in attempts per username, in the database that every replica shares. An attempt is counted before its
 * password is checked, under the row's lock, so that concurrent guesses cannot slip past the limit while the first
 * ones are being hashed; a right password clears the count. The same for usernames that have no account: a lock
 * tells nobody whether one exists.
 */
@Component
class SignInAttempts {

	private final JdbcTemplate jdbc;

	private final AccountProperties properties;

	private final Clock clock;

	SignInAttempts(JdbcTemplate jdbc, AccountProperties properties, Clock clock) {
		this.jdbc = jdbc;
		this.properties = properties;
		this.clock = clock;
	}

	/**
	 * Counts an attempt for this username.
	 * @return how long it stays locked, or {@link Duration#ZERO} when this attempt may check its password
	 */
	@RetryableTransaction("signInAttempt")
	Duration begin(String username) {
		Instant now = this.clock.instant();
		this.jdbc.update("INSERT INTO sign_in_attempts (username, failures, locked_until, last_attempt) VALUES (?, 0, NULL, ?)"
				+ " ON DUPLICATE KEY UPDATE last_attempt = VALUES(last_attempt)", username, Timestamp.from(now));
		List<Object[]> rows = this.jdbc.query(
				"SELECT failures, locked_until FROM sign_in_attempts WHERE username = ? FOR UPDATE",
				(row, n) -> new Object[] { row.getInt(1), row.getTimestamp(2) }, username);
		int failures = (Integer) rows.get(0)[0];
		Timestamp lockedUntil = (Timestamp) rows.get(0)[1];
		if (lockedUntil != null && lockedUntil.toInstant().isAfter(now)) {
			return Duration.between(now, lockedUntil.toInstant());
		}
		if (lockedUntil != null) {
			failures = 0;
		}
		failures++;
		// The last attempt allowed still checks its password; the lock applies to the ones after it.
		Timestamp lock = (failures >= this.properties.maxFailedSignIns())
				? Timestamp.from(now.plus(this.properties.lockFor())) : null;
		this.jdbc.update("UPDATE sign_in_attempts SET failures = ?, locked_until = ? WHERE username = ?",
				(lock != null) ? 0 : failures, lock, username);
		return Duration.ZERO;
	}

	/** A right password: the count starts again. */
	void succeeded(String username) {
		this.jdbc.update("DELETE FROM sign_in_attempts WHERE username = ?", username);
	}

	/** Forgets usernames not tried for longer than a lock lasts, so that made-up names do not pile up. */
	@Scheduled(fixedDelayString = "PT10M", initialDelayString = "PT1M")
	void forgetOld() {
		Instant before = this.clock.instant().minus(this.properties.lockFor());
		this.jdbc.update("DELETE FROM sign_in_attempts WHERE last_attempt < ? AND (locked_until IS NULL OR locked_until < ?)",
				Timestamp.from(before), Timestamp.from(this.clock.instant()));
	}

}
