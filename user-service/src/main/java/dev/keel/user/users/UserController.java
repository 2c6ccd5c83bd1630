package dev.keel.user.users;

import java.net.URI;

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
class UserController {

	private final UserService users;

	UserController(UserService users) {
		this.users = users;
	}

	@PostMapping
	ResponseEntity<UserResponse> create(Caller caller, @Valid @RequestBody UserRequest request) {
		UserResponse user = this.users.create(caller, request);
		// Relative, so that it is right behind the gateway whatever host the client used.
		return ResponseEntity.created(URI.create("/api/v1/users/" + user.id())).body(user);
	}

	/** The profile sign-up made for the caller's account: how a client finds it after a 202 from sign-up. */
	@GetMapping("/me")
	UserResponse mine(Caller caller) {
		return this.users.mine(caller);
	}

	@GetMapping("/{id}")
	UserResponse get(Caller caller, @PathVariable long id) {
		return this.users.get(caller, id);
	}

	@GetMapping
	PageResponse<UserResponse> page(Caller caller, @RequestParam(defaultValue = "0") @PositiveOrZero int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
		return PageResponse.of(this.users.page(caller, page, size));
	}

	@PutMapping("/{id}")
	UserResponse update(Caller caller, @PathVariable long id, @Valid @RequestBody UserUpdate update) {
		return this.users.update(caller, id, update);
	}

	@DeleteMapping("/{id}")
	ResponseEntity<Void> delete(Caller caller, @PathVariable long id) {
		this.users.delete(caller, id);
		return ResponseEntity.noContent().build();
	}

}
