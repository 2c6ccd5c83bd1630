package dev.keel.platform.security;

import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

import dev.keel.platform.problem.ApiProblem;

/**
 * Who sent the request: the subject of its verified access token, and whether that subject is an administrator.
 * Controllers take it as a parameter and pass it on; the service decides what the caller may see or change
 * (object-level authorization), which no filter in front of it can.
 *
 * @param subject the token's {@code sub}: an account, or the client id of a machine client
 * @param administrator whether the token carries the {@code admin} role
 * @param scopes the token's scopes
 */
public record Caller(String subject, boolean administrator, Set<String> scopes) {

	/** The request attribute that holds the verified caller's subject, for what runs outside Spring Security. */
	public static final String SUBJECT_ATTRIBUTE = Caller.class.getName() + ".subject";

	static final String ADMINISTRATOR_AUTHORITY = "ROLE_admin";

	private static final String SCOPE_PREFIX = "SCOPE_";

	/** The caller the authentication names, which a {@link ResourceServerAutoConfiguration resource server} verified. */
	public static Caller of(Authentication authentication) {
		if (!(authentication instanceof JwtAuthenticationToken token)) {
			// A handler that needs a caller on a path open to anyone (keel.security.public-reads).
			throw new NoCaller();
		}
		Set<String> authorities = token.getAuthorities()
			.stream()
			.map(GrantedAuthority::getAuthority)
			.collect(Collectors.toUnmodifiableSet());
		Set<String> scopes = authorities.stream()
			.filter((authority) -> authority.startsWith(SCOPE_PREFIX))
			.map((authority) -> authority.substring(SCOPE_PREFIX.length()))
			.collect(Collectors.toUnmodifiableSet());
		return new Caller(token.getToken().getSubject(), authorities.contains(ADMINISTRATOR_AUTHORITY), scopes);
	}

	/** Whether the token carries {@code scope}. */
	public boolean hasScope(String scope) {
		return this.scopes.contains(scope);
	}

	/** Whether the caller may see what {@code owner} owns: their own, or anything for an administrator. */
	public boolean mayRead(String owner) {
		return this.administrator || owns(owner);
	}

	/** Whether {@code owner} is the caller. */
	public boolean owns(String owner) {
		return this.subject.equals(owner);
	}

	static final class NoCaller extends ApiProblem {

		NoCaller() {
			super(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized",
					"This API needs an access token: Authorization: Bearer <token>.");
			getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
		}

	}

}
