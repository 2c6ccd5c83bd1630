package dev.keel.platform.web;

import java.io.IOException;

import io.micrometer.tracing.BaggageInScope;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.keel.platform.observability.Correlation;
import dev.keel.platform.security.Caller;

/**
 * Ties each request to its trace: answers with {@code X-Request-Id} (the caller's, or a new one, which then
 * travels with the calls this request makes) and {@code X-Trace-Id}, and writes one access log line, which
 * like every line carries the trace and span ids.
 */
class CorrelationFilter extends OncePerRequestFilter {

	private static final Logger access = LoggerFactory.getLogger("keel.access");

	private final ObjectProvider<Tracer> tracer;

	CorrelationFilter(ObjectProvider<Tracer> tracer) {
		this.tracer = tracer;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		long start = System.nanoTime();
		String requestId = request.getHeader(Correlation.REQUEST_ID);
		BaggageInScope baggage = null;
		Tracer tracer = this.tracer.getIfAvailable();
		if (!Correlation.isValidRequestId(requestId)) {
			// Behind the gateway every request has a valid one; a direct caller gets a fresh one.
			requestId = Correlation.newRequestId();
			if (tracer != null) {
				baggage = tracer.createBaggageInScope(Correlation.REQUEST_ID, requestId);
			}
		}
		response.setHeader(Correlation.REQUEST_ID, requestId);
		Span span = (tracer != null) ? tracer.currentSpan() : null;
		if (span != null) {
			response.setHeader(Correlation.TRACE_ID, span.context().traceId());
		}
		try {
			chain.doFilter(request, response);
		}
		finally {
			if (access.isInfoEnabled()) {
				// Who, by the token's subject, as the gateway's access log says it.
				Object subject = request.getAttribute(Caller.SUBJECT_ATTRIBUTE);
				access.info("{} {} -> {} in {} ms (subject {})", request.getMethod(), request.getRequestURI(),
						response.getStatus(), (System.nanoTime() - start) / 1_000_000, (subject != null) ? subject : "-");
			}
			if (baggage != null) {
				baggage.close();
			}
		}
	}

	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
	}

}
