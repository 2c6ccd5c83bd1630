package dev.keel.user.users;

import java.util.Locale;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /api/v1/users}.
 */
record UserRequest(@Schema(example = "ada@example.com") @NotBlank @Email @Size(min = 1, max = 254) String email,
		@Schema(example = "Ada Lovelace") @NotBlank @Size(min = 1, max = 100) String name) {

	/** E-mail addresses are compared case-insensitively; store one canonical form. */
	String canonicalEmail() {
		return this.email.trim().toLowerCase(Locale.ROOT);
	}

}
