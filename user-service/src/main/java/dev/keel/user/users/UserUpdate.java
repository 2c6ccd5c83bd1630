package dev.keel.user.users;

import java.util.Locale;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code PUT /api/v1/users/{id}}: the full new state and the version it was based on.
 */
record UserUpdate(@Schema(example = "ada@example.com") @NotBlank @Email @Size(min = 1, max = 254) String email,
		@Schema(example = "Ada King") @NotBlank @Size(min = 1, max = 100) String name,
		@Schema(description = "The version the change is based on (the profile's `version` when read).",
				example = "0") @NotNull @PositiveOrZero Long version) {

	String canonicalEmail() {
		return this.email.trim().toLowerCase(Locale.ROOT);
	}

}
