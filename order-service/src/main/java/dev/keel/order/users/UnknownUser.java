package dev.keel.order.users;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/**
 * The order names a user that user-service does not know.
 */
public class UnknownUser extends ApiProblem {

	UnknownUser(long userId) {
		super(HttpStatus.UNPROCESSABLE_CONTENT, "unknown-user", "Unknown user", "No user with id " + userId + ".");
		property("userId", userId);
	}

}
