package dev.keel.user.users;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

class UserNotFound extends ApiProblem {

	UserNotFound(long id) {
		super(HttpStatus.NOT_FOUND, "user-not-found", "User not found", "No user with id " + id + ".");
		property("userId", id);
	}

	/** Not found by something other than an id. */
	UserNotFound(String detail) {
		super(HttpStatus.NOT_FOUND, "user-not-found", "User not found", detail);
	}

}
