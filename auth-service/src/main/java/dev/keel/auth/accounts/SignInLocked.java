package dev.keel.auth.accounts;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/** A sign-in with a username that too many wrong passwords in a row have locked. */
class SignInLocked extends ApiProblem {

	SignInLocked(long retryAfterSeconds) {
		super(HttpStatus.TOO_MANY_REQUESTS, "sign-in-locked", "Sign-in locked",
				"Too many failed sign-ins with this username: none is accepted for a while. Try again later.");
		getHeaders().set("Retry-After", String.valueOf(retryAfterSeconds));
	}

}
