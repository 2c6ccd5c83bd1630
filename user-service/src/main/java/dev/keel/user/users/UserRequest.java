package dev.keel.user.users;

import java.util.Locale;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /api/v1/users}.
 */
record UserRequest(@NotBlank @Email @Size(max = 254) String email, @NotBlank @Size(max = 100) String name) {

	/** E-mail addresses are compared case-insensitively; store one canonical form. */
	String canonicalEmail() {
		return this.email.trim().toLowerCase(Locale.ROOT);
	}

}
