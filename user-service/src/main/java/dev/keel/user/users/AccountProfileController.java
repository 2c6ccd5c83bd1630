package dev.keel.user.users;

import java.net.URI;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.keel.platform.security.Caller;

/**
 * Where auth-service makes a new account's profile at sign-up, keyed by the account's subject so that a retry is
 * safe. Internal: the gateway routes nothing under {@code /internal}, and only auth-service's own token carries the
 * scope (keel.security.required-scopes).
 */
@RestController
class AccountProfileController {

	private final UserService users;

	AccountProfileController(UserService users) {
		this.users = users;
	}

	@PutMapping("/internal/v1/profiles/{subject}")
	ResponseEntity<UserResponse> provision(Caller caller, @PathVariable @NotBlank @Size(max = 255) String subject,
			@Valid @RequestBody UserRequest request) {
		UserService.Provisioned provisioned = this.users.provision(caller, subject, request);
		UserResponse profile = provisioned.profile();
		return ResponseEntity.status(provisioned.created() ? HttpStatus.CREATED : HttpStatus.OK)
			.location(URI.create("/api/v1/users/" + profile.id()))
			.body(profile);
	}

}
