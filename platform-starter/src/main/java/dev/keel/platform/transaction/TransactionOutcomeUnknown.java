package dev.keel.platform.transaction;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/**
 * The commit failed (typically the connection was lost while committing): the transaction may or may not
 * have been stored, so it is not retried here. A client that sent an idempotency key can safely retry.
 */
public class TransactionOutcomeUnknown extends ApiProblem {

	TransactionOutcomeUnknown(String operation, Throwable cause) {
		super(HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable", "Database unavailable",
				"The database failed while completing the request; its outcome is unknown. Retry with the same "
						+ "Idempotency-Key to get the original result.",
				cause);
		property("operation", operation);
		getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
	}

}
