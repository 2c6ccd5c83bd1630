package dev.keel.auth.accounts;

import java.net.URI;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirements;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Public sign-up (the gateway routes it without a token, rate-limited per address). 201 with the new profile's
 * place when the account can sign in at once; 202 when user-service could not make the profile yet, which goes on in
 * the background: sign-in answers 409 {@code account-pending} until it is done.
 */
@RestController
@Tag(name = "accounts",
		description = "Sign-up. Tokens come from the OAuth 2.1 endpoints (/oauth2/authorize, /oauth2/token).")
class SignUpController {

	private final SignUps signUps;

	SignUpController(SignUps signUps) {
		this.signUps = signUps;
	}

	@PostMapping("/api/v1/accounts")
	@Operation(summary = "Sign up: an account and its profile")
	@SecurityRequirements
	@ApiResponse(responseCode = "201", description = "The account signs in now; Location names its profile.")
	@ApiResponse(responseCode = "202", description = "The profile is being made; sign-in answers 409 account-pending "
			+ "until then (Retry-After).")
	@ApiResponse(responseCode = "409", description = "The username (username-taken) or the e-mail (duplicate-email) "
			+ "is another account's.")
	@ApiResponse(responseCode = "422", description = "user-service refused the profile (profile-refused).")
	ResponseEntity<SignUpResponse> signUp(@Valid @RequestBody SignUpRequest request) {
		SignUps.SignedUp account = this.signUps.signUp(request);
		if (account.active() && account.profileId() != null) {
			return ResponseEntity.created(URI.create("/api/v1/users/" + account.profileId()))
				.body(new SignUpResponse(account.username(), "active", account.profileId()));
		}
		if (account.active()) {
			// Activated by another attempt, whose answer had the id: GET /api/v1/users/me has it.
			return ResponseEntity.status(HttpStatus.CREATED).body(new SignUpResponse(account.username(), "active", null));
		}
		return ResponseEntity.accepted()
			.header(HttpHeaders.RETRY_AFTER, String.valueOf(AccountPending.RETRY_AFTER_SECONDS))
			.body(new SignUpResponse(account.username(), "pending", null));
	}

	/**
	 * @param username the account's username, its tokens' subject
	 * @param status {@code active} (it signs in) or {@code pending} (its profile is being made)
	 * @param profileId the profile's id at user-service ({@code /api/v1/users/{id}}), when this request made it
	 */
	record SignUpResponse(String username, String status, Long profileId) {
	}

}
