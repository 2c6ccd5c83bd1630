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
 * Failed sign-ins per username and per client address, in the database that every replica shares. Each slows the
 * next attempt down (a wait that doubles with every failure) and, at its limit, locks for a while
 * ({@link AccountProperties}).
 * <p>
 * Per username, an attempt is counted before its password is checked, under the row's lock, so that concurrent
 * guesses cannot slip past the limit while the first ones are being hashed; a right password clears the count. The
 * same for usernames that have no account: a lock tells nobody whether one exists. Per address, only wrong
 * passwords count, within a window of {@code lockFor}, and a right one clears nothing: one account of an attacker's
 * own must not reset what their guesses at others cost. That count is made after the password check, so concurrent
 * guesses from one address may pass its limit by as many as run at once, which the gateway's per-address rate limit
 * keeps small.
 */
@Component
class SignInAttempts {

	private static final String ACCOUNT = "account";

	private static final String ADDRESS = "address";

	/** The longest wait before the lock: shorter than the window in which an address's failures count. */
	private static final long MAX_WAIT_SECONDS = 60;

	private final JdbcTemplate jdbc;

	private final AccountProperties properties;

	private final Clock clock;

	SignInAttempts(JdbcTemplate jdbc, AccountProperties properties, Clock clock) {
		this.jdbc = jdbc;
		this.properties = properties;
		this.clock = clock;
	}

	/**
	 * Counts an attempt for this username from this address.
	 * @return how long to wait before the next attempt, or {@link Duration#ZERO} when this one may check its password
	 */
	@RetryableTransaction("signInAttempt")
	Duration begin(String username, String address) {
		Instant now = this.clock.instant();
		Duration addressWait = wait(ADDRESS, address, now);
		if (!addressWait.isZero()) {
			return addressWait;
		}
		Row row = locked(ACCOUNT, username, now);
		if (row.waitUntil() != null && row.waitUntil().isAfter(now)) {
			return Duration.between(now, row.waitUntil());
		}
		update(ACCOUNT, username, row.failures() + 1, this.properties.slowDownFrom(), this.properties.maxFailedSignIns(),
				now);
		return Duration.ZERO;
	}

	/** A wrong password from this address. */
	@RetryableTransaction("signInFailure")
	void failed(String address) {
		Instant now = this.clock.instant();
		Row row = locked(ADDRESS, address, now);
		boolean withinWindow = row.lastAttempt().plus(this.properties.lockFor()).isAfter(now);
		AccountProperties.PerAddress limits = this.properties.perAddress();
		update(ADDRESS, address, (withinWindow ? row.failures() : 0) + 1, limits.slowDownFrom(),
				limits.maxFailedSignIns(), now);
	}

	/** A right password: the count of this username starts again. */
	void succeeded(String username) {
		this.jdbc.update("DELETE FROM sign_in_attempts WHERE kind = ? AND name = ?", ACCOUNT, username);
	}

	/** Forgets names and addresses not tried for longer than a lock lasts, so that made-up ones do not pile up. */
	@Scheduled(fixedDelayString = "PT10M", initialDelayString = "PT1M")
	void forgetOld() {
		Instant before = this.clock.instant().minus(this.properties.lockFor());
		this.jdbc.update("DELETE FROM sign_in_attempts WHERE last_attempt < ? AND (locked_until IS NULL OR locked_until < ?)",
				Timestamp.from(before), Timestamp.from(this.clock.instant()));
	}

	private Duration wait(String kind, String name, Instant now) {
		List<Timestamp> until = this.jdbc.query("SELECT locked_until FROM sign_in_attempts WHERE kind = ? AND name = ?",
				(row, n) -> row.getTimestamp(1), kind, name);
		if (until.isEmpty() || until.get(0) == null || !until.get(0).toInstant().isAfter(now)) {
			return Duration.ZERO;
		}
		return Duration.between(now, until.get(0).toInstant());
	}

	/** The row of this name, made if missing, locked until the transaction ends. */
	private Row locked(String kind, String name, Instant now) {
		this.jdbc.update("INSERT IGNORE INTO sign_in_attempts (kind, name, failures, locked_until, last_attempt) "
				+ "VALUES (?, ?, 0, NULL, ?)", kind, name, Timestamp.from(now));
		return this.jdbc.queryForObject(
				"SELECT failures, locked_until, last_attempt FROM sign_in_attempts WHERE kind = ? AND name = ? FOR UPDATE",
				(row, n) -> new Row(row.getInt(1),
						(row.getTimestamp(2) != null) ? row.getTimestamp(2).toInstant() : null,
						row.getTimestamp(3).toInstant()),
				kind, name);
	}

	/**
	 * Records this many failures: from {@code slowDownFrom} on, the next attempt waits 1 s, then 2 s, 4 s... up to a
	 * minute; at
	 * {@code max}, it waits for the whole lock, and the count starts again after it. The attempt that reaches either
	 * still goes on; the wait applies to the ones after it.
	 */
	private void update(String kind, String name, int failures, int slowDownFrom, int max, Instant now) {
		Instant waitUntil = null;
		if (failures >= max) {
			waitUntil = now.plus(this.properties.lockFor());
			failures = 0;
		}
		else if (failures >= slowDownFrom) {
			waitUntil = now.plusSeconds(Math.min(1L << Math.min(failures - slowDownFrom, 6), MAX_WAIT_SECONDS));
		}
		this.jdbc.update("UPDATE sign_in_attempts SET failures = ?, locked_until = ?, last_attempt = ? "
				+ "WHERE kind = ? AND name = ?", failures, (waitUntil != null) ? Timestamp.from(waitUntil) : null,
				Timestamp.from(now), kind, name);
	}

	private record Row(int failures, Instant waitUntil, Instant lastAttempt) {
	}

}
