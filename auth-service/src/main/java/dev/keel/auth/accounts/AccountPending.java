package dev.keel.auth.accounts;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/**
 * The right password, for an account whose profile user-service has not made yet (sign-up goes on in the
 * background). Not a 503: the gateway's circuit breaker would count it against auth-service.
 */
class AccountPending extends ApiProblem {

	static final int RETRY_AFTER_SECONDS = 5;

	AccountPending() {
		super(HttpStatus.CONFLICT, "account-pending", "Account not ready yet",
				"The account is still being set up: sign in again after the time in Retry-After.");
		getHeaders().set("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
	}

}
