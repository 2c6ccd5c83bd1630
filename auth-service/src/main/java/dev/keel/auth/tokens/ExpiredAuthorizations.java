package dev.keel.auth.tokens;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes authorizations nothing can use any more: Spring Authorization Server stores one per sign-in (its code and
 * tokens) and never removes them, so the table, and the token endpoint's look-ups in it, would grow without end.
 */
@Component
class ExpiredAuthorizations {

	/** Kept a while after they expire, for whoever investigates a sign-in. */
	private static final Duration KEPT = Duration.ofHours(1);

	private final JdbcTemplate jdbc;

	private final Clock clock;

	ExpiredAuthorizations(JdbcTemplate jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	@Scheduled(fixedDelayString = "PT10M", initialDelayString = "PT2M")
	void delete() {
		Timestamp before = Timestamp.from(this.clock.instant().minus(KEPT));
		this.jdbc.update("""
				DELETE FROM oauth2_authorization
				WHERE COALESCE(access_token_issued_at, authorization_code_issued_at) < ?
				  AND (authorization_code_expires_at IS NULL OR authorization_code_expires_at < ?)
				  AND (access_token_expires_at IS NULL OR access_token_expires_at < ?)
				  AND (refresh_token_expires_at IS NULL OR refresh_token_expires_at < ?)
				  AND (oidc_id_token_expires_at IS NULL OR oidc_id_token_expires_at < ?)""", before, before, before,
				before, before);
	}

}
