package dev.keel.platform.problem;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * Base class of the domain exceptions a client can act on ({@code OutOfStock}, {@code UnknownUser}, ...).
 * Subclasses name what happened; the platform's central handler renders them as RFC 9457
 * {@code application/problem+json} with the given status, {@link ProblemTypes type}, title and detail, plus
 * the request's trace id. Details are written for clients: never put exception messages or SQL in them.
 */
public abstract class ApiProblem extends ErrorResponseException {

	protected ApiProblem(HttpStatus status, String type, String title, String detail) {
		this(status, type, title, detail, null);
	}

	protected ApiProblem(HttpStatus status, String type, String title, String detail, Throwable cause) {
		super(status, problem(status, ProblemTypes.of(type), title, detail), cause);
	}

	/**
	 * Adds an extension member to the problem body, e.g. the SKU that is out of stock.
	 */
	protected final void property(String name, Object value) {
		getBody().setProperty(name, value);
	}

	@Override
	public String getMessage() {
		return getBody().getTitle() + ": " + getBody().getDetail();
	}

	private static ProblemDetail problem(HttpStatus status, URI type, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setType(type);
		problem.setTitle(title);
		return problem;
	}

}
