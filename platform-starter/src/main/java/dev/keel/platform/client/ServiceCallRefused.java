package dev.keel.platform.client;

import java.io.IOException;

/**
 * The call was not sent: the service's circuit is open, its bulkhead is full, or none of its instances is
 * admitted. An {@link IOException}, so that {@code RestClient} reports it like any unreachable service.
 */
public class ServiceCallRefused extends IOException {

	ServiceCallRefused(String message, Throwable cause) {
		super(message, cause);
	}

}
