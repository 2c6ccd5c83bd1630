package dev.keel.user.users;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/** A profile for an account whose subject already has one, from another sign-up. */
class ProfileExists extends ApiProblem {

	ProfileExists() {
		super(HttpStatus.CONFLICT, "profile-exists", "Profile exists",
				"This account already has a profile, made for another sign-up.");
	}

}
