package dev.keel.platform.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Durable idempotency keys in the service's own database. A key is claimed inside the transaction that does
 * the work and completed in the same transaction, so a key is never stored without its result, nor a
 * result without its key. A concurrent request with the same key waits on the key's row lock until the
 * first commits, then sees the key taken ({@link KeyClaimed}) and replays the stored result.
 * <p>
 * Keys are the client's: each caller (the subject of its access token) has keys of its own, so that one client
 * can neither replay another's result nor block another's request by guessing or copying its key.
 * <p>
 * The service's migrations create the table:
 * <pre>
 * CREATE TABLE idempotency_keys (
 *     operation       VARCHAR(64)  NOT NULL,
 *     client          VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
 *     idempotency_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
 *     request_hash    CHAR(64)     NOT NULL,
 *     resource_id     VARCHAR(64)  NULL,
 *     created_at      DATETIME(6)  NOT NULL,
 *     expires_at      DATETIME(6)  NOT NULL,
 *     PRIMARY KEY (operation, client, idempotency_key),
 *     INDEX ix_idempotency_keys_expires_at (expires_at)
 * );
 * </pre>
 * Times are the database's UTC clock, so that every instance agrees on expiry.
 */
public class IdempotencyStore {

	private final JdbcTemplate jdbc;

	private final IdempotencyProperties properties;

	public IdempotencyStore(JdbcTemplate jdbc, IdempotencyProperties properties) {
		this.jdbc = jdbc;
		this.properties = properties;
	}

	/**
	 * The result stored for a key, if the key is known and has not expired.
	 */
	@Transactional(readOnly = true)
	public Optional<Stored> find(String operation, String client, IdempotencyKey key) {
		List<Stored> rows = this.jdbc.query(
				"SELECT request_hash, resource_id FROM idempotency_keys WHERE operation = ? AND client = ? "
						+ "AND idempotency_key = ? AND expires_at > UTC_TIMESTAMP(6) AND resource_id IS NOT NULL",
				(row, index) -> new Stored(row.getString(1), row.getString(2)), operation, client, key.value());
		return rows.stream().findFirst();
	}

	/**
	 * Claims a key for the request being processed, inside the transaction that processes it. Blocks while
	 * another transaction holds the same key.
	 * @throws KeyClaimed when the key was already used; the caller replays the stored result
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void claim(String operation, String client, IdempotencyKey key, String requestHash) {
		this.jdbc.update("DELETE FROM idempotency_keys WHERE operation = ? AND client = ? AND idempotency_key = ? "
				+ "AND expires_at <= UTC_TIMESTAMP(6)", operation, client, key.value());
		try {
			this.jdbc.update("INSERT INTO idempotency_keys "
					+ "(operation, client, idempotency_key, request_hash, created_at, expires_at) "
					+ "VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL ? SECOND)", operation, client,
					key.value(), requestHash, this.properties.ttl().toSeconds());
		}
		catch (DuplicateKeyException ex) {
			throw new KeyClaimed(ex);
		}
	}

	/**
	 * Records the resource the request produced, in the transaction that claimed the key.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void complete(String operation, String client, IdempotencyKey key, String resourceId) {
		this.jdbc.update(
				"UPDATE idempotency_keys SET resource_id = ? WHERE operation = ? AND client = ? AND idempotency_key = ?",
				resourceId, operation, client, key.value());
	}

	/**
	 * Deletes expired keys in small batches. Safe to run on every instance at once: each statement deletes
	 * what is still there.
	 * @return the number of keys deleted
	 */
	public int deleteExpired() {
		int total = 0;
		int deleted;
		do {
			deleted = this.jdbc.update(
					"DELETE FROM idempotency_keys WHERE expires_at <= UTC_TIMESTAMP(6) ORDER BY expires_at LIMIT ?",
					this.properties.cleanupBatchSize());
			total += deleted;
		}
		while (deleted == this.properties.cleanupBatchSize());
		return total;
	}

	/**
	 * A stable fingerprint of a request: SHA-256 of its canonical form, as the caller builds it.
	 */
	public static String fingerprint(String canonicalRequest) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonicalRequest.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** What a key refers to: the fingerprint of the request that used it and the resource it produced. */
	public record Stored(String requestHash, String resourceId) {

		/**
		 * The resource to replay for a request with the given fingerprint.
		 * @throws IdempotencyProblems.KeyReused when the key was used for a different request
		 */
		public String replayFor(String requestHash) {
			if (!this.requestHash.equals(requestHash)) {
				throw new IdempotencyProblems.KeyReused();
			}
			return this.resourceId;
		}

	}

	/** The key was taken by another request that has committed; replay its result. */
	public static final class KeyClaimed extends RuntimeException {

		KeyClaimed(Throwable cause) {
			super("idempotency key already used", cause);
		}

	}

}
