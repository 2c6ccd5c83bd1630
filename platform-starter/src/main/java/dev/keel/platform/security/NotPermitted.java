package dev.keel.platform.security;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/**
 * 403: the caller is known and the object is visible to them, but this action on it is not theirs to take (an
 * administrator changing someone's profile, a customer listing everyone's). Where the caller may not even see the
 * object, answer its not-found problem instead, so that ids cannot be probed.
 */
public class NotPermitted extends ApiProblem {

	public NotPermitted(String detail) {
		super(HttpStatus.FORBIDDEN, "forbidden", "Forbidden", detail);
	}

}
