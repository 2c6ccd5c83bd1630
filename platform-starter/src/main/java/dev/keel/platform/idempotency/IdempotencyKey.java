package dev.keel.platform.idempotency;

import java.util.Optional;
import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/**
 * The value of an {@code Idempotency-Key} request header: 1 to 255 visible ASCII characters, compared
 * exactly (a UUID is the usual choice).
 */
public record IdempotencyKey(String value) {

	/** The request header that carries the key. */
	public static final String HEADER = "Idempotency-Key";

	/** The response header that marks a replayed response. */
	public static final String REPLAYED_HEADER = "Idempotent-Replayed";

	private static final Pattern VALID = Pattern.compile("[\\x21-\\x7E]{1,255}");

	public IdempotencyKey {
		if (value == null || !VALID.matcher(value).matches()) {
			throw new Invalid();
		}
	}

	/**
	 * The key of a request, if it has one.
	 * @param header the header's value, or {@code null} when absent
	 * @param required whether requests without a key are refused
	 * @throws Required when the key is required and absent (400)
	 * @throws Invalid when the key is malformed (400)
	 */
	public static Optional<IdempotencyKey> of(String header, boolean required) {
		if (header == null) {
			if (required) {
				throw new Required();
			}
			return Optional.empty();
		}
		return Optional.of(new IdempotencyKey(header));
	}

	@Override
	public String toString() {
		return this.value;
	}

	/** The endpoint requires a key and the request has none. */
	public static final class Required extends ApiProblem {

		Required() {
			super(HttpStatus.BAD_REQUEST, "idempotency-key-required", "Idempotency key required",
					"This request must carry an Idempotency-Key header (e.g. a UUID) so that it can be retried "
							+ "safely.");
		}

	}

	/** The key is empty, too long or has characters other than visible ASCII. */
	public static final class Invalid extends ApiProblem {

		Invalid() {
			super(HttpStatus.BAD_REQUEST, "invalid-idempotency-key", "Invalid idempotency key",
					"The Idempotency-Key header must be 1 to 255 visible ASCII characters.");
		}

	}

}
