package dev.keel.auth.accounts;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.keel.platform.transaction.RetryableTransaction;

/**
 * Failed sign-ins per username and per client address, in the database that every replica shares. Each slows the
 * next attempt down (a wait that doubles with every failure, up to a minute) and, at its limit, locks for a while
 * ({@link AccountProperties}).
 * <p>
 * Per username ({@code sign_in_attempts}), an attempt is counted before its password is checked, under the row's
 * lock, so that concurrent guesses cannot slip past the limit while the first ones are being hashed; a right
 * password clears the count. The same for usernames that have no account: a lock tells nobody whether one exists.
 * <p>
 * Per address ({@code sign_in_address_attempts}), only wrong passwords count, each within {@code lockFor} of the
 * previous one, and a right one clears nothing: one account of an attacker's own must not reset what their guesses
 * at others cost. So that guesses sent all at once cannot pass together, an attempt from an address that already
 * slows down takes its wait before its password is checked (under the row's lock), and a wait or lock is never
 * shortened by a later failure.
 * <p>
 * Rows are locked in one order (address, then username), and each insert takes the row's exclusive lock at once
 * ({@code ON DUPLICATE KEY UPDATE}), so that concurrent attempts wait for each other instead of deadlocking.
 */
@Component
class SignInAttempts {

	/** The longest wait before the lock: shorter than the time within which an address's failures add up. */
	private static final long MAX_WAIT_SECONDS = 60;

	private static final Counted USERNAMES = new Counted("sign_in_attempts", "username");

	private static final Counted ADDRESSES = new Counted("sign_in_address_attempts", "address");

	private final JdbcTemplate jdbc;

	private final AccountProperties properties;

	private final Clock clock;

	SignInAttempts(JdbcTemplate jdbc, AccountProperties properties, Clock clock) {
		this.jdbc = jdbc;
		this.properties = properties;
		this.clock = clock;
	}

	/**
	 * Counts an attempt with this username (none: the address only) from this address (none: it could not be told).
	 * @return how long to wait before the next attempt, or {@link Duration#ZERO} when this one may check its password
	 */
	@RetryableTransaction("signInAttempt")
	Duration begin(String username, String address) {
		Instant now = this.clock.instant();
		if (address != null) {
			Row row = locked(ADDRESSES, address, now);
			if (row.waiting(now)) {
				return Duration.between(now, row.waitUntil());
			}
			AccountProperties.PerAddress limits = this.properties.perAddress();
			int failures = row.failuresWithin(this.properties.lockFor(), now);
			if (failures >= limits.slowDownFrom()) {
				// Reserved now: the next attempt waits whatever this one's password turns out to be.
				store(ADDRESSES, address, failures, now.plusSeconds(wait(failures, limits.slowDownFrom())), row.lastAttempt());
			}
		}
		if (username != null) {
			Row row = locked(USERNAMES, username, now);
			if (row.waiting(now)) {
				return Duration.between(now, row.waitUntil());
			}
			int failures = row.failures() + 1;
			store(USERNAMES, username, next(failures, this.properties.maxFailedSignIns()),
					until(failures, this.properties.slowDownFrom(), this.properties.maxFailedSignIns(), now), now);
		}
		return Duration.ZERO;
	}

	/** A wrong password from this address. */
	@RetryableTransaction("signInFailure")
	void failed(String address) {
		Instant now = this.clock.instant();
		Row row = locked(ADDRESSES, address, now);
		if (row.locked(now)) {
			return;
		}
		AccountProperties.PerAddress limits = this.properties.perAddress();
		int failures = row.failuresWithin(this.properties.lockFor(), now) + 1;
		Instant until = until(failures, limits.slowDownFrom(), limits.maxFailedSignIns(), now);
		if (row.waitUntil() != null && (until == null || row.waitUntil().isAfter(until))) {
			until = row.waitUntil();
		}
		store(ADDRESSES, address, next(failures, limits.maxFailedSignIns()), until, now);
	}

	/** A right password: the count of this username starts again. */
	void succeeded(String username) {
		this.jdbc.update("DELETE FROM sign_in_attempts WHERE username = ?", username);
	}

	/** Forgets names and addresses not tried for longer than a lock lasts, so that made-up ones do not pile up. */
	@Scheduled(fixedDelayString = "PT10M", initialDelayString = "PT1M")
	void forgetOld() {
		Timestamp before = Timestamp.from(this.clock.instant().minus(this.properties.lockFor()));
		Timestamp now = Timestamp.from(this.clock.instant());
		for (Counted counted : new Counted[] { USERNAMES, ADDRESSES }) {
			this.jdbc.update("DELETE FROM " + counted.table()
					+ " WHERE last_attempt < ? AND (locked_until IS NULL OR locked_until < ?)", before, now);
		}
	}

	/** The row of this name, made if missing, locked until the transaction ends. */
	private Row locked(Counted counted, String name, Instant now) {
		this.jdbc.update("INSERT INTO " + counted.table() + " (" + counted.key() + ", failures, locked_until, last_attempt)"
				+ " VALUES (?, 0, NULL, ?) ON DUPLICATE KEY UPDATE " + counted.key() + " = " + counted.key(), name,
				Timestamp.from(now));
		return this.jdbc.queryForObject("SELECT failures, locked_until, last_attempt FROM " + counted.table() + " WHERE "
				+ counted.key() + " = ? FOR UPDATE", (row, n) -> new Row(row.getInt(1),
						(row.getTimestamp(2) != null) ? row.getTimestamp(2).toInstant() : null,
						row.getTimestamp(3).toInstant()),
				name);
	}

	private void store(Counted counted, String name, int failures, Instant waitUntil, Instant lastAttempt) {
		this.jdbc.update("UPDATE " + counted.table() + " SET failures = ?, locked_until = ?, last_attempt = ? WHERE "
				+ counted.key() + " = ?", failures, (waitUntil != null) ? Timestamp.from(waitUntil) : null,
				Timestamp.from(lastAttempt), name);
	}

	/**
	 * After this many failures: from {@code slowDownFrom} on, the next attempt waits 1 s, then 2 s, 4 s... up to a
	 * minute; at {@code max}, for the whole lock. The attempt that reaches either still goes on.
	 */
	private Instant until(int failures, int slowDownFrom, int max, Instant now) {
		if (failures >= max) {
			return now.plus(this.properties.lockFor());
		}
		return (failures >= slowDownFrom) ? now.plusSeconds(wait(failures, slowDownFrom)) : null;
	}

	/** The count after a lock is 0: it starts again once the lock ends. */
	private static int next(int failures, int max) {
		return (failures >= max) ? 0 : failures;
	}

	private static long wait(int failures, int slowDownFrom) {
		return Math.min(1L << Math.min(failures - slowDownFrom, 6), MAX_WAIT_SECONDS);
	}

	/** A table of counts and its key column. */
	private record Counted(String table, String key) {
	}

	/** A lock is a wait with the count back at 0; a slow-down keeps the count. */
	private record Row(int failures, Instant waitUntil, Instant lastAttempt) {

		boolean waiting(Instant now) {
			return this.waitUntil != null && this.waitUntil.isAfter(now);
		}

		boolean locked(Instant now) {
			return waiting(now) && this.failures == 0;
		}

		int failuresWithin(Duration window, Instant now) {
			return this.lastAttempt.plus(window).isAfter(now) ? this.failures : 0;
		}

	}

}
