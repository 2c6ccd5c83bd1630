package dev.keel.auth.accounts;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The profile user-service is to make for a pending account: sign-up's outbox, one row per account. */
@Entity
@Table(name = "profile_requests")
class ProfileRequest {

	@Id
	@Column(name = "account_id")
	private Long accountId;

	@Column(nullable = false, length = 254)
	private String email;

	@Column(nullable = false, length = 100)
	private String name;

	@Column(nullable = false)
	private int attempts;

	@Column(name = "next_attempt_at", nullable = false)
	private Instant nextAttemptAt;

	@Column(name = "created_at", nullable = false, updatable = false)
	private Instant createdAt;

	protected ProfileRequest() {
	}

	/** Leased until {@code leasedUntil} to the sign-up that writes it, which tries first. */
	ProfileRequest(long accountId, String email, String name, Instant now, Instant leasedUntil) {
		this.accountId = accountId;
		this.email = email;
		this.name = name;
		this.createdAt = now;
		this.nextAttemptAt = leasedUntil;
	}

	/** An attempt failed: the next is due then. */
	void failed(Instant next) {
		this.attempts++;
		this.nextAttemptAt = next;
	}

	long getAccountId() {
		return this.accountId;
	}

	String getEmail() {
		return this.email;
	}

	String getName() {
		return this.name;
	}

	int getAttempts() {
		return this.attempts;
	}

}
