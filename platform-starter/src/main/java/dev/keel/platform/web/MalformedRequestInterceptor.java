package dev.keel.platform.web;

import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpMethod;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses, as the client's mistakes they are, two requests that would otherwise end in a 500: a wildcard
 * {@code Content-Type} ({@code *}{@code /*}, {@code application/*}), which Spring MVC fails on while reading the
 * body (spring-framework#27957), and a query string with a malformed percent-escape, which Tomcat fails on only
 * when a parameter is first read. Both are found here, before the handler's arguments are resolved, and answered
 * through the platform's problem rendering (415 and 400).
 */
class MalformedRequestInterceptor implements HandlerInterceptor {

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
			throws Exception {
		String contentType = request.getContentType();
		if (contentType != null) {
			try {
				MediaType type = MediaType.parseMediaType(contentType);
				if (type.isWildcardType() || type.isWildcardSubtype()) {
					throw new HttpMediaTypeNotSupportedException(type, List.of(MediaType.APPLICATION_JSON),
							HttpMethod.valueOf(request.getMethod()));
				}
			}
			catch (InvalidMediaTypeException ex) {
				throw new HttpMediaTypeNotSupportedException(ex.getMessage());
			}
		}
		try {
			request.getParameterMap();
		}
		catch (IllegalStateException ex) {
			throw new ServletRequestBindingException("The query string is malformed (a percent-escape is not valid).");
		}
		return true;
	}

}
