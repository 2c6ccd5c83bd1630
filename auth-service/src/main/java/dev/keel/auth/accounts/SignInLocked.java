package dev.keel.auth.accounts;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/** A sign-in to an account that too many wrong passwords in a row have locked. */
public class SignInLocked extends ApiProblem {

	public SignInLocked(long retryAfterSeconds) {
		super(HttpStatus.TOO_MANY_REQUESTS, "sign-in-locked", "Sign-in locked",
				"Too many failed sign-ins: this account accepts none for a while. Try again later.");
		getHeaders().set("Retry-After", String.valueOf(retryAfterSeconds));
	}

}
