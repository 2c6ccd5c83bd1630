package dev.keel.auth.accounts;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/** user-service refused the new account's profile for a reason sign-up did not check: no account was made. */
class ProfileRefused extends ApiProblem {

	ProfileRefused() {
		super(HttpStatus.UNPROCESSABLE_ENTITY, "profile-refused", "Profile refused",
				"The profile could not be made from this name and e-mail; no account was made.");
	}

}
