package dev.keel.auth.accounts;

import java.util.Locale;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /api/v1/accounts}: the credentials (auth-service's) and the profile (user-service's).
 *
 * @param username 3 to 64 lower-case letters, digits, dots, dashes and underscores, starting and ending with a letter
 * or digit: the account's subject in every token, so one spelling only
 * @param password see {@link PasswordRules}
 * @param email the profile's e-mail, unique across profiles, compared case-insensitively: held (and checked) in the
 * lower-case form user-service stores, which can be longer than what was sent
 * @param name the profile's name
 */
@PasswordRules.Acceptable
record SignUpRequest(
		@Schema(example = "ada") @NotBlank @Pattern(regexp = "[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]",
				message = "must be 3 to 64 lower-case letters, digits, '.', '-' or '_', starting and ending with a letter or digit") String username,
		@Schema(format = "password", example = "correct horse battery staple",
				description = "12 to 72 characters (UTF-8 bytes), not a commonly used password, not containing the "
						+ "username, with at least 5 different characters.")
		@NotNull @Size(min = PasswordRules.MIN_LENGTH, max = PasswordRules.MAX_LENGTH) String password,
		@Schema(example = "ada@example.com") @NotBlank @Email @Size(min = 1, max = 254) String email,
		@Schema(example = "Ada Lovelace") @NotBlank @Size(min = 1, max = 100) String name) {

	SignUpRequest {
		email = (email != null) ? email.strip().toLowerCase(Locale.ROOT) : null;
	}

	/** Never the password: records print every component, and requests end up in logs. */
	@Override
	public String toString() {
		return "SignUpRequest[username=" + this.username + "]";
	}

}
