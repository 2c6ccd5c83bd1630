package dev.keel.platform.web;

import java.io.IOException;

/**
 * Thrown while a request body is read once it passes the configured limit; rendered as 413.
 */
class RequestBodyTooLarge extends IOException {

	private final long limitBytes;

	RequestBodyTooLarge(long limitBytes) {
		super("Request body exceeds " + limitBytes + " bytes");
		this.limitBytes = limitBytes;
	}

	long limitBytes() {
		return this.limitBytes;
	}

}
