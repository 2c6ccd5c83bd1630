package dev.keel.user.users;

import java.net.URI;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.PositiveOrZero;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.keel.platform.security.Caller;
import dev.keel.platform.web.PageResponse;

@RestController
@RequestMapping("/api/v1/users")
@Tag(name = "users", description = "Profiles: each belongs to the account whose token created it.")
class UserController {

	private final UserService users;

	UserController(UserService users) {
		this.users = users;
	}

	@PostMapping
	@Operation(summary = "Create the caller's profile")
	@ApiResponse(responseCode = "201", description = "Created; Location names it.")
	@ApiResponse(responseCode = "409", description = "The e-mail is another profile's (duplicate-email), or the "
			+ "caller has a profile (profile-exists).")
	ResponseEntity<UserResponse> create(Caller caller, @Valid @RequestBody UserRequest request) {
		UserResponse user = this.users.create(caller, request);
		// Relative, so that it is right behind the gateway whatever host the client used.
		return ResponseEntity.created(URI.create("/api/v1/users/" + user.id())).body(user);
	}

	/** The profile sign-up made for the caller's account: how a client finds it after a 202 from sign-up. */
	@GetMapping("/me")
	@Operation(summary = "The caller's own profile")
	@ApiResponse(responseCode = "200", description = "The profile.")
	@ApiResponse(responseCode = "404", description = "The caller has no profile yet (user-not-found).")
	UserResponse mine(Caller caller) {
		return this.users.mine(caller);
	}

	@GetMapping("/{id}")
	@Operation(summary = "A profile: the caller's own, or any for an administrator")
	@ApiResponse(responseCode = "200", description = "The profile.")
	@ApiResponse(responseCode = "404", description = "No such profile, or not the caller's (user-not-found).")
	UserResponse get(Caller caller, @PathVariable long id) {
		return this.users.get(caller, id);
	}

	@GetMapping
	@Operation(summary = "Every profile, a page at a time (administrators only)")
	PageResponse<UserResponse> page(Caller caller, @RequestParam(defaultValue = "0") @PositiveOrZero int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
		return PageResponse.of(this.users.page(caller, page, size));
	}

	@PutMapping("/{id}")
	@Operation(summary = "Replace a profile, given the version it was read at")
	@ApiResponse(responseCode = "200", description = "The profile as it is now, with its new version.")
	@ApiResponse(responseCode = "404", description = "No such profile, or not the caller's (user-not-found).")
	@ApiResponse(responseCode = "409", description = "Changed since that version (stale-version), or the e-mail is "
			+ "another profile's (duplicate-email).")
	UserResponse update(Caller caller, @PathVariable long id, @Valid @RequestBody UserUpdate update) {
		return this.users.update(caller, id, update);
	}

	@DeleteMapping("/{id}")
	@Operation(summary = "Delete a profile")
	@ApiResponse(responseCode = "204", description = "Deleted.")
	@ApiResponse(responseCode = "404", description = "No such profile, or not the caller's (user-not-found).")
	ResponseEntity<Void> delete(Caller caller, @PathVariable long id) {
		this.users.delete(caller, id);
		return ResponseEntity.noContent().build();
	}

}
