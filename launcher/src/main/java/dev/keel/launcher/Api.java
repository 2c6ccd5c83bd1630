package dev.keel.launcher;

import java.net.URI;
import java.net.http.HttpRequest;

/**
 * The platform's API as one signed-in client calls it: where it is, and the access token every request carries.
 *
 * @param base the gateway's address, or a service instance's
 * @param token a bearer access token ({@link SignIn}); null for an anonymous client
 */
record Api(String base, String token) {

	HttpRequest.Builder request(String path) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.base + path));
		return (this.token != null) ? request.header("Authorization", "Bearer " + this.token) : request;
	}

	@Override
	public String toString() {
		return this.base;
	}

}
