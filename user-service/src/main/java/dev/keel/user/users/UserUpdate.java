package dev.keel.user.users;

import java.util.Locale;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code PUT /api/v1/users/{id}}: the full new state and the version it was based on.
 */
record UserUpdate(@NotBlank @Email @Size(max = 254) String email, @NotBlank @Size(max = 100) String name,
		@NotNull @PositiveOrZero Long version) {

	String canonicalEmail() {
		return this.email.trim().toLowerCase(Locale.ROOT);
	}

}
