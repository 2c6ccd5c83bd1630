package dev.keel.platform.problem;

import java.net.URI;
import java.util.Locale;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

/**
 * The one namespace of RFC 9457 problem {@code type} URIs. Clients switch on these; they never change once
 * published. Teams adopting keel replace {@link #BASE} with a URI they own (the README lists every type).
 */
public final class ProblemTypes {

	public static final String BASE = "https://keel.dev/problems/";

	private ProblemTypes() {
	}

	/**
	 * The type URI for a slug such as {@code out-of-stock}.
	 */
	public static URI of(String slug) {
		return URI.create(BASE + slug);
	}

	/**
	 * The type of a problem that is nothing more specific than its status: the status name, e.g.
	 * {@code not-found}, {@code method-not-allowed}, {@code content-too-large}.
	 */
	public static URI forStatus(HttpStatusCode code) {
		HttpStatus status = HttpStatus.resolve(code.value());
		return of((status != null) ? status.name().toLowerCase(Locale.ROOT).replace('_', '-') : "http-" + code.value());
	}

}
