package dev.keel.platform.security;

import java.io.IOException;

import io.micrometer.common.KeyValue;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;

import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * Names the caller in what a request leaves behind, by the token's subject only (never an e-mail or the token): its
 * span gets {@code enduser.id} (OpenTelemetry's attribute; high cardinality, so spans only, never metric tags), and
 * its log lines the MDC entry {@code subject}, and the access log line {@link Caller#SUBJECT_ATTRIBUTE}. Runs after
 * Spring Security, which authenticates the request.
 */
final class CallerObservationFilter extends OncePerRequestFilter {

	static final String SPAN_TAG = "enduser.id";

	static final String MDC_KEY = "subject";

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!(SecurityContextHolder.getContext().getAuthentication() instanceof JwtAuthenticationToken token)) {
			chain.doFilter(request, response);
			return;
		}
		String subject = token.getName();
		request.setAttribute(Caller.SUBJECT_ATTRIBUTE, subject);
		ServerHttpObservationFilter.findObservationContext(request)
			.ifPresent((context) -> context.addHighCardinalityKeyValue(KeyValue.of(SPAN_TAG, subject)));
		try (MDC.MDCCloseable ignored = MDC.putCloseable(MDC_KEY, subject)) {
			chain.doFilter(request, response);
		}
	}

}
