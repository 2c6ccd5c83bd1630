package dev.keel.user.users;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

class StaleVersion extends ApiProblem {

	StaleVersion(long id, long basedOn) {
		super(HttpStatus.CONFLICT, "stale-version", "Stale version",
				"User " + id + " has changed since version " + basedOn + ". Read it again and retry.");
		property("userId", id);
	}

}
