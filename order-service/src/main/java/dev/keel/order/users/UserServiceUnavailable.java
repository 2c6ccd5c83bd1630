package dev.keel.order.users;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/**
 * user-service could not answer, so the user could not be verified; nothing was stored.
 */
public class UserServiceUnavailable extends ApiProblem {

	UserServiceUnavailable(Throwable cause) {
		super(HttpStatus.SERVICE_UNAVAILABLE, "dependency-unavailable", "Dependency unavailable",
				"The user could not be verified because user-service is unavailable. Retry later.", cause);
		property("dependency", "user-service");
		getHeaders().set(HttpHeaders.RETRY_AFTER, "2");
	}

}
