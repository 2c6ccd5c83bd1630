package dev.keel.platform.idempotency;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/**
 * What a client can be told about its idempotency key.
 */
public final class IdempotencyProblems {

	private IdempotencyProblems() {
	}

	/** The key was used before with a different request (422, as the IETF idempotency-key draft says). */
	public static final class KeyReused extends ApiProblem {

		public KeyReused() {
			super(HttpStatus.UNPROCESSABLE_CONTENT, "idempotency-key-reused", "Idempotency key reused",
					"This Idempotency-Key was used for a different request. Use a new key for a new request.");
		}

	}

	/** A request with the same key is still being processed (409); retrying later gets its result. */
	public static final class InProgress extends ApiProblem {

		public InProgress() {
			super(HttpStatus.CONFLICT, "idempotent-request-in-progress", "Request in progress",
					"A request with this Idempotency-Key is still being processed. Retry shortly to get its result.");
			getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
		}

	}

}
