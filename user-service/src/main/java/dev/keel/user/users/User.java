package dev.keel.user.users;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.PrePersist;
import jakarta.persistence.PreUpdate;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

@Entity
@Table(name = "users")
class User {

	@Id
	@GeneratedValue(strategy = GenerationType.IDENTITY)
	private Long id;

	@Column(name = "owner_subject", length = 255, updatable = false)
	private String owner;

	/** Set only on the profile auth-service provisions for an account at sign-up: one per account. */
	@Column(name = "account_subject", length = 255, updatable = false)
	private String account;

	@Column(nullable = false, length = 254)
	private String email;

	@Column(nullable = false, length = 100)
	private String name;

	@Version
	private long version;

	@Column(name = "created_at", nullable = false)
	private Instant createdAt;

	@Column(name = "updated_at", nullable = false)
	private Instant updatedAt;

	protected User() {
	}

	User(String owner, String email, String name) {
		this.owner = owner;
		this.email = email;
		this.name = name;
	}

	/** The profile of a new account, owned by it. */
	static User ofAccount(String subject, String email, String name) {
		User user = new User(subject, email, name);
		user.account = subject;
		return user;
	}

	@PrePersist
	void onCreate() {
		this.createdAt = now();
		this.updatedAt = this.createdAt;
	}

	@PreUpdate
	void onUpdate() {
		this.updatedAt = now();
	}

	/** The columns hold microseconds; answer with what a later read will return. */
	private static Instant now() {
		return Instant.now().truncatedTo(ChronoUnit.MICROS);
	}

	void rename(String email, String name) {
		this.email = email;
		this.name = name;
	}

	Long getId() {
		return this.id;
	}

	/** The subject of the account the profile belongs to; null for profiles older than owners. */
	String getOwner() {
		return this.owner;
	}

	String getEmail() {
		return this.email;
	}

	String getName() {
		return this.name;
	}

	long getVersion() {
		return this.version;
	}

	Instant getCreatedAt() {
		return this.createdAt;
	}

	Instant getUpdatedAt() {
		return this.updatedAt;
	}

}
