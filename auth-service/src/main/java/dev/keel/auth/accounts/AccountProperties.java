package dev.keel.auth.accounts;

import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Sign-in rules and, in the local and dev environments only, the accounts to create on start.
 *
 * @param maxFailedSignIns failed sign-ins in a row that lock a username
 * @param slowDownFrom failed sign-ins in a row from which each next attempt with the username waits, 1 s and twice as
 * long after each further failure
 * @param lockFor how long a locked username (or address) refuses every sign-in, the right password included
 * @param perAddress the same for failed sign-ins from one client address, whatever the usernames
 * @param seed accounts created (or reset to these passwords and roles) on start; empty outside local and dev
 */
@Validated
@ConfigurationProperties("keel.auth.accounts")
public record AccountProperties(@Positive int maxFailedSignIns, @Positive int slowDownFrom, @NotNull Duration lockFor,
		@Valid @NotNull PerAddress perAddress, @Valid List<Seed> seed) {

	public AccountProperties {
		seed = (seed != null) ? List.copyOf(seed) : List.of();
	}

	/**
	 * Failed sign-ins from one address within {@code lockFor}, across usernames: an office behind one address shares
	 * them, so the limits are higher than a username's.
	 */
	public record PerAddress(@Positive int maxFailedSignIns, @Positive int slowDownFrom) {
	}

	/** A local or dev account: its password comes from the environment, never from this repository. */
	public record Seed(@NotBlank String username, @NotBlank String password, @NotEmpty List<String> roles) {

		@Override
		public String toString() {
			return "Seed[username=" + this.username + ", roles=" + this.roles + "]";
		}

	}

}
