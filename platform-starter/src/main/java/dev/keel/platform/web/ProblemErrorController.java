package dev.keel.platform.web;

import java.net.URI;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

import dev.keel.platform.problem.ProblemTypes;

/**
 * The error page of the servlet container ({@code /error}), reached when something answers with
 * {@code sendError} or fails outside Spring MVC's exception handling (a servlet filter, Tomcat's parameter
 * parsing): problem+json like every other answer, whatever the client accepts. Boot's own renders HTML or
 * its own JSON shape.
 */
@Controller
@RequestMapping("${server.error.path:/error}")
public class ProblemErrorController implements ErrorController {

	/**
	 * A request attribute with the problem's detail, for a {@code sendError} from code that knows better than the
	 * status's reason phrase what the client should do (the container's own messages are never shown).
	 */
	public static final String DETAIL = ProblemErrorController.class.getName() + ".detail";

	private static final Logger log = LoggerFactory.getLogger(ProblemErrorController.class);

	/** What a 405 for a method no resource takes names as allowed: the methods the API uses. */
	static final String API_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

	@RequestMapping
	ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
		Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		HttpStatus status = (code instanceof Integer value && HttpStatus.resolve(value) != null) ? HttpStatus.valueOf(value)
				: HttpStatus.INTERNAL_SERVER_ERROR;
		if (status == HttpStatus.NOT_IMPLEMENTED) {
			// The servlet API's answer to a method it does not know: the client's mistake, as any other method the
			// resource does not take.
			status = HttpStatus.METHOD_NOT_ALLOWED;
		}
		Object detail = request.getAttribute(DETAIL);
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status,
				status.is5xxServerError() ? "An unexpected error occurred. Quote the trace id when reporting it."
						: (detail instanceof String text) ? text : status.getReasonPhrase() + ".");
		problem.setType(ProblemTypes.forStatus(status));
		problem.setTitle(status.getReasonPhrase());
		Object path = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
		if (path instanceof String uri) {
			problem.setInstance(URI.create(uri.replaceAll("[^A-Za-z0-9._~!$&'()*+,;=:@/%-]", "")));
		}
		String traceId = MDC.get("traceId");
		if (traceId != null) {
			problem.setProperty("traceId", traceId);
		}
		if (status.is5xxServerError()) {
			log.error("Error answered outside Spring MVC for {}", path,
					(Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION));
		}
		ResponseEntity.BodyBuilder answer = ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
		if (status == HttpStatus.METHOD_NOT_ALLOWED && code instanceof Integer value
				&& value == HttpStatus.NOT_IMPLEMENTED.value()) {
			answer.header(HttpHeaders.ALLOW, API_METHODS);
		}
		return answer.body(problem);
	}

}
