package dev.keel.auth.accounts;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/** A sign-in too soon after failed ones with the username or from the address: it waits, or the lock ends. */
class SignInLocked extends ApiProblem {

	SignInLocked(long retryAfterSeconds) {
		super(HttpStatus.TOO_MANY_REQUESTS, "sign-in-locked", "Sign-in locked",
				"Too many failed sign-ins with this username or from this address: none is accepted until the time in "
						+ "Retry-After has passed.");
		getHeaders().set("Retry-After", String.valueOf(retryAfterSeconds));
	}

}
