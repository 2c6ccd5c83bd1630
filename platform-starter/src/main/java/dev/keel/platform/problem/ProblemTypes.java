package dev.keel.platform.problem;

import java.net.URI;

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

}
