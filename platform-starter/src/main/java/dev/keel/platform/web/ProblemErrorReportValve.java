package dev.keel.platform.web;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ProblemTypes;

/**
 * What Tomcat answers itself, before any application sees the request (a request line with characters it refuses,
 * a malformed escape in the path, headers too many or too large), as problem+json instead of Tomcat's HTML page.
 * The detail never repeats the request: Tomcat's messages echo it.
 */
class ProblemErrorReportValve extends ErrorReportValve {

	@Override
	protected void report(Request request, Response response, Throwable throwable) {
		int code = response.getStatus();
		// Tomcat's own guards: an error answer nobody has written yet, claimed once, on a connection still usable.
		if (code < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
			return;
		}
		AtomicBoolean ioAllowed = new AtomicBoolean();
		response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
		if (!ioAllowed.get()) {
			return;
		}
		if (code == HttpStatus.HTTP_VERSION_NOT_SUPPORTED.value()) {
			// A request line with a version no client speaks is a malformed request, not the server's failure.
			code = HttpStatus.BAD_REQUEST.value();
			response.setStatus(code);
		}
		else if (code == HttpStatus.NOT_IMPLEMENTED.value() && "CONNECT".equals(request.getMethod())) {
			// Tomcat's answer to CONNECT, which no resource of an origin server takes: the client's mistake.
			code = HttpStatus.METHOD_NOT_ALLOWED.value();
			response.setStatus(code);
			response.setHeader("Allow", ProblemErrorController.API_METHODS);
		}
		else if (code == HttpStatus.NOT_IMPLEMENTED.value()) {
			// Tomcat's answer to a transfer coding it does not decode (Transfer-Encoding: gzip): a body this server
			// cannot read, as a malformed one.
			code = HttpStatus.BAD_REQUEST.value();
			response.setStatus(code);
		}
		HttpStatus status = HttpStatus.resolve(code);
		String title = (status != null) ? status.getReasonPhrase() : "Error";
		String detail = (code == 400) ? "The request could not be read: its request line, URI or headers are malformed."
				: title + ".";
		try {
			// ASCII only, so that the writer's default encoding needs no charset parameter.
			response.setContentType("application/problem+json");
			Writer writer = response.getReporter();
			if (writer != null) {
				writer.write("{\"type\":\"%s\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}"
					.formatted(ProblemTypes.forStatus(HttpStatus.valueOf(code)), title, code, detail));
				response.finishResponse();
			}
		}
		catch (IOException | IllegalStateException | IllegalArgumentException ex) {
			// The connection went away while answering: nothing left to tell.
		}
	}

}
