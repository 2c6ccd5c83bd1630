package dev.keel.auth.accounts;

import java.net.URI;

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
class SignUpController {

	private final SignUps signUps;

	SignUpController(SignUps signUps) {
		this.signUps = signUps;
	}

	@PostMapping("/api/v1/accounts")
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
