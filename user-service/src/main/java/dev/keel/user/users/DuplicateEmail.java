package dev.keel.user.users;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

class DuplicateEmail extends ApiProblem {

	DuplicateEmail() {
		super(HttpStatus.CONFLICT, "duplicate-email", "E-mail already registered",
				"Another user is registered with this e-mail address.");
	}

}
