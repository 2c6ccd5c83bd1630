package dev.keel.platform.web;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;

import org.springframework.beans.TypeMismatchException;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import dev.keel.platform.observability.Correlation;
import dev.keel.platform.problem.ProblemTypes;

/**
 * The one place where exceptions become RFC 9457 problems. Spring MVC's own exceptions keep their status
 * and get a stable {@code type}; validation failures list every offending field; data-access failures are
 * translated without leaking SQL; anything unexpected is a logged 500 with a generic detail.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
class ProblemResponses extends ResponseEntityExceptionHandler {

	private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

	/** Seconds a client should wait before retrying when a dependency is unavailable. */
	static final String RETRY_AFTER_SECONDS = "1";

	@Override
	protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<Map<String, Object>> errors = new ArrayList<>();
		for (FieldError error : ex.getBindingResult().getFieldErrors()) {
			errors.add(Map.of("pointer", "#/" + error.getField().replace('.', '/').replaceAll("\\[(\\d+)]", "/$1"),
					"detail", message(error)));
		}
		ex.getBindingResult()
			.getGlobalErrors()
			.forEach((error) -> errors.add(Map.of("pointer", "#", "detail", message(error))));
		return validationProblem(errors, headers, request);
	}

	@Override
	protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<Map<String, Object>> errors = new ArrayList<>();
		ex.getParameterValidationResults()
			.forEach((result) -> result.getResolvableErrors()
				.forEach((error) -> errors.add(Map.of("parameter",
						String.valueOf(result.getMethodParameter().getParameterName()), "detail", message(error)))));
		return validationProblem(errors, headers, request);
	}

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		RequestBodyTooLarge tooLarge = cause(ex, RequestBodyTooLarge.class);
		if (tooLarge != null) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
					"The request body exceeds the limit of " + tooLarge.limitBytes() + " bytes.");
			problem.setTitle("Request body too large");
			return handleExceptionInternal(ex, problem, headers, HttpStatus.CONTENT_TOO_LARGE, request);
		}
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, unreadableDetail(ex));
		problem.setType(ProblemTypes.of("malformed-request"));
		problem.setTitle("Malformed request body");
		return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
	}

	@Override
	protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		String name = (ex instanceof MethodArgumentTypeMismatchException mismatch) ? mismatch.getName()
				: ex.getPropertyName();
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
				"Parameter '%s' has an invalid value.".formatted(name));
		problem.setType(ProblemTypes.of("validation"));
		problem.setTitle("Invalid request");
		problem.setProperty("errors", List.of(Map.of("parameter", String.valueOf(name), "detail",
				"must be of type " + simpleName(ex.getRequiredType()))));
		return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
	}

	@ExceptionHandler
	ResponseEntity<Object> handleOptimisticLocking(OptimisticLockingFailureException ex, WebRequest request) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
				"The resource was changed by another request. Read it again and retry.");
		problem.setType(ProblemTypes.of("concurrent-modification"));
		problem.setTitle("Concurrent modification");
		return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.CONFLICT, request);
	}

	@ExceptionHandler
	ResponseEntity<Object> handleDataIntegrity(DataIntegrityViolationException ex, WebRequest request) {
		// Services translate the constraints they expect (duplicate e-mail, ...); this is the safety net.
		log.warn("Unmapped data integrity violation: {}", ex.getMostSpecificCause().getMessage());
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
				"The request conflicts with the current state of the data.");
		problem.setTitle("Conflict");
		return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.CONFLICT, request);
	}

	@ExceptionHandler({ TransientDataAccessException.class, RecoverableDataAccessException.class,
			DataAccessResourceFailureException.class, CannotCreateTransactionException.class })
	ResponseEntity<Object> handleDatabaseUnavailable(Exception ex, WebRequest request) {
		log.warn("Database unavailable: {}", ex.getMessage());
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"The database is temporarily unavailable. Retry later.");
		problem.setType(ProblemTypes.of("database-unavailable"));
		problem.setTitle("Database unavailable");
		HttpHeaders headers = new HttpHeaders();
		headers.set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
		return handleExceptionInternal(ex, problem, headers, HttpStatus.SERVICE_UNAVAILABLE, request);
	}

	@ExceptionHandler
	ResponseEntity<Object> handleUnexpected(Exception ex, WebRequest request) {
		log.error("Unexpected error on {}", path(request), ex);
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
				"An unexpected error occurred. Quote the trace id when reporting it.");
		problem.setTitle("Internal error");
		return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
	}

	@Override
	protected ResponseEntity<Object> createResponseEntity(@Nullable Object body, HttpHeaders headers,
			HttpStatusCode statusCode, WebRequest request) {
		if (body instanceof ProblemDetail problem) {
			complete(problem, statusCode, request);
			// Set here, so that no Accept header (even one that does not parse) can turn a problem into an empty body.
			headers = HttpHeaders.copyOf(headers);
			headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		}
		return super.createResponseEntity(body, headers, statusCode, request);
	}

	private void complete(ProblemDetail problem, HttpStatusCode status, WebRequest request) {
		if (problem.getType() == null || URI.create("about:blank").equals(problem.getType())) {
			problem.setType(ProblemTypes.forStatus(status));
		}
		if (problem.getInstance() == null) {
			problem.setInstance(URI.create(path(request)));
		}
		String traceId = MDC.get("traceId");
		if (traceId != null) {
			problem.setProperty("traceId", traceId);
		}
		String requestId = MDC.get(Correlation.REQUEST_ID);
		if (requestId != null) {
			problem.setProperty("requestId", requestId);
		}
		if (status.is4xxClientError()) {
			log.debug("{} {}: {}", status.value(), path(request), problem.getDetail());
		}
	}

	private ResponseEntity<Object> validationProblem(List<Map<String, Object>> errors, HttpHeaders headers,
			WebRequest request) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
				"The request has %d invalid field%s.".formatted(errors.size(), (errors.size() == 1) ? "" : "s"));
		problem.setType(ProblemTypes.of("validation"));
		problem.setTitle("Invalid request");
		problem.setProperty("errors", errors);
		return createResponseEntity(problem, headers, HttpStatus.BAD_REQUEST, request);
	}

	private static String unreadableDetail(HttpMessageNotReadableException ex) {
		JacksonException json = cause(ex, JacksonException.class);
		if (json == null) {
			return "The request body is missing or unreadable.";
		}
		String pointer = pointer(json.getPath());
		if (json instanceof InvalidFormatException invalid) {
			return "Field '%s' has an invalid value for %s.".formatted(pointer, simpleName(invalid.getTargetType()));
		}
		if (json instanceof MismatchedInputException mismatched && !pointer.equals("#")) {
			return "Field '%s' must be of type %s.".formatted(pointer, simpleName(mismatched.getTargetType()));
		}
		if (json instanceof StreamReadException) {
			return "The request body is not well-formed JSON.";
		}
		return "The request body does not match the expected structure.";
	}

	private static String pointer(List<JacksonException.Reference> path) {
		StringBuilder pointer = new StringBuilder("#");
		for (JacksonException.Reference reference : path) {
			pointer.append('/');
			pointer.append((reference.getPropertyName() != null) ? reference.getPropertyName()
					: String.valueOf(reference.getIndex()));
		}
		return pointer.toString();
	}

	private static String message(MessageSourceResolvable error) {
		return (error.getDefaultMessage() != null) ? error.getDefaultMessage() : "is invalid";
	}

	private static String simpleName(@Nullable Class<?> type) {
		if (type == null) {
			return "the expected type";
		}
		if (type.isEnum()) {
			return "one of " + List.of(type.getEnumConstants());
		}
		if (type.isArray() || Collection.class.isAssignableFrom(type)) {
			return "array";
		}
		if (Map.class.isAssignableFrom(type)) {
			return "object";
		}
		return type.getSimpleName();
	}

	private static String path(WebRequest request) {
		if (request instanceof ServletWebRequest servlet) {
			HttpServletRequest http = servlet.getRequest();
			return http.getRequestURI();
		}
		return request.getDescription(false);
	}

	private static <T extends Throwable> @Nullable T cause(Throwable ex, Class<T> type) {
		for (Throwable current = ex; current != null; current = current.getCause()) {
			if (type.isInstance(current)) {
				return type.cast(current);
			}
		}
		return null;
	}

}
