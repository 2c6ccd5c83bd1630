package dev.keel.platform.observability;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The headers that tie a request together across processes. {@code X-Request-Id} comes from the client (or
 * the gateway makes one); the gateway forwards it, and the services pass it on with every call the request causes,
 * as tracing baggage; every response
 * echoes it, and carries {@code X-Trace-Id}, the W3C trace id that log lines and problems show.
 */
public final class Correlation {

	public static final String REQUEST_ID = "X-Request-Id";

	public static final String TRACE_ID = "X-Trace-Id";

	private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

	private Correlation() {
	}

	/**
	 * Whether a client's request id can be taken as it is: 1 to 64 letters, digits, '.', '_', ':' or '-',
	 * nothing that could forge a log line or break a header.
	 */
	public static boolean isValidRequestId(String requestId) {
		return requestId != null && VALID.matcher(requestId).matches();
	}

	public static String newRequestId() {
		return UUID.randomUUID().toString();
	}

}
