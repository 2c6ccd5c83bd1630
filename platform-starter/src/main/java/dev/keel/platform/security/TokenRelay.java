package dev.keel.platform.security;

import java.io.IOException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.AbstractOAuth2TokenAuthenticationToken;

/**
 * Sends the caller's access token on with a call to another service, so that the service called applies its
 * own rules to the same caller: order-service reads a profile as the customer who placed the order, and
 * user-service answers only with what that customer may see. Read on the request's thread, where Spring
 * Security keeps the caller.
 */
public final class TokenRelay implements ClientHttpRequestInterceptor {

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		if (!request.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION) && SecurityContextHolder.getContext()
			.getAuthentication() instanceof AbstractOAuth2TokenAuthenticationToken<?> token) {
			request.getHeaders().setBearerAuth(token.getToken().getTokenValue());
		}
		return execution.execute(request, body);
	}

}
