package dev.keel.platform.transaction;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/**
 * The database kept refusing the transaction for transient reasons (contention, or an unreachable database)
 * until the retry budget was spent. Nothing of it was stored.
 */
public class TransactionRetriesExhausted extends ApiProblem {

	TransactionRetriesExhausted(String operation, int attempts, TransientFailure lastFailure, long retryAfterSeconds,
			Throwable cause) {
		super(HttpStatus.SERVICE_UNAVAILABLE,
				(lastFailure == TransientFailure.CONNECTION) ? "database-unavailable" : "database-contention",
				(lastFailure == TransientFailure.CONNECTION) ? "Database unavailable" : "Database busy",
				"The request could not be completed (%s); nothing was stored. Retry later."
					.formatted((lastFailure == TransientFailure.CONNECTION) ? "the database is unreachable"
							: "contention in the database"),
				cause);
		property("operation", operation);
		property("attempts", attempts);
		getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds));
	}

}
