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
 * @param maxFailedSignIns wrong passwords in a row that lock an account
 * @param lockFor how long a locked account refuses every sign-in, the right password included
 * @param seed accounts created (or reset to these passwords and roles) on start; empty outside local and dev
 */
@Validated
@ConfigurationProperties("keel.auth.accounts")
public record AccountProperties(@Positive int maxFailedSignIns, @NotNull Duration lockFor,
		@Valid List<Seed> seed) {

	public AccountProperties {
		seed = (seed != null) ? List.copyOf(seed) : List.of();
	}

	/** A local or dev account: its password comes from the environment, never from this repository. */
	public record Seed(@NotBlank String username, @NotBlank String password, @NotEmpty List<String> roles) {

		@Override
		public String toString() {
			return "Seed[username=" + this.username + ", roles=" + this.roles + "]";
		}

	}

}
