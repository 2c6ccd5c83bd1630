package dev.keel.auth.accounts;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/** user-service refused the new account's profile: another profile has the e-mail. The account is gone again. */
class EmailTaken extends ApiProblem {

	EmailTaken() {
		super(HttpStatus.CONFLICT, "duplicate-email", "E-mail already registered",
				"Another user is registered with this e-mail address; no account was made.");
	}

}
