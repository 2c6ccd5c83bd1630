package dev.keel.auth.accounts;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/** Sign-up with a username an account or a client already has. */
class UsernameTaken extends ApiProblem {

	UsernameTaken() {
		super(HttpStatus.CONFLICT, "username-taken", "Username taken", "Another account has this username.");
	}

}
