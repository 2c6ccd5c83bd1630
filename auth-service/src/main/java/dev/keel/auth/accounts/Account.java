package dev.keel.auth.accounts;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.PrePersist;
import jakarta.persistence.PreUpdate;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * A person's credentials and roles. Who they are (name, e-mail) is user-service's profile. An account made by sign-up
 * is pending, and cannot sign in, until its profile exists ({@link ProfileDelivery}).
 */
@Entity
@Table(name = "accounts")
class Account {

	static final int MAX_USERNAME_LENGTH = 64;

	static final String ACTIVE = "active";

	static final String PENDING = "pending";

	@Id
	@GeneratedValue(strategy = GenerationType.IDENTITY)
	private Long id;

	@Column(nullable = false, length = MAX_USERNAME_LENGTH)
	private String username;

	@Column(name = "password_hash", nullable = false, length = 200)
	private String passwordHash;

	/** Comma-separated, lower case: customer, admin. */
	@Column(nullable = false, length = 200)
	private String roles;

	/** {@link #ACTIVE}, or {@link #PENDING} from sign-up until its profile is made. */
	@Column(nullable = false, length = 16)
	private String status = ACTIVE;

	@Version
	private long version;

	@Column(name = "created_at", nullable = false)
	private Instant createdAt;

	@Column(name = "updated_at", nullable = false)
	private Instant updatedAt;

	protected Account() {
	}

	Account(String username, String passwordHash, List<String> roles) {
		this.username = username;
		this.passwordHash = passwordHash;
		this.roles = String.join(",", roles);
	}

	/** A customer's account from sign-up, pending until its profile is made. */
	static Account signedUp(String username, String passwordHash) {
		Account account = new Account(username, passwordHash, List.of("customer"));
		account.status = PENDING;
		return account;
	}

	@PrePersist
	void onCreate() {
		this.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
		this.updatedAt = this.createdAt;
	}

	@PreUpdate
	void onUpdate() {
		this.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
	}

	void reset(String passwordHash, List<String> roles) {
		this.passwordHash = passwordHash;
		this.roles = String.join(",", roles);
	}

	void activate() {
		this.status = ACTIVE;
	}

	boolean isActive() {
		return ACTIVE.equals(this.status);
	}

	Long getId() {
		return this.id;
	}

	String getUsername() {
		return this.username;
	}

	String getPasswordHash() {
		return this.passwordHash;
	}

	List<String> getRoles() {
		return Arrays.stream(this.roles.split(",")).filter((role) -> !role.isBlank()).toList();
	}

}
