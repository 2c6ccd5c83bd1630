package dev.keel.platform.test;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * The shape every keel error answer has (RFC 9457 problem+json with a stable type), asserted one way by
 * every service's API tests.
 */
public final class Problems {

	/** The base of every problem type keel answers with. */
	public static final String TYPES = "https://keel.dev/problems/";

	private Problems() {
	}

	/**
	 * Asserts a problem answer: the status, {@code application/problem+json}, the type {@code TYPES + type},
	 * the same status in the body and a title.
	 * @return the body, for assertions on the members particular to this problem
	 */
	public static RestTestClient.BodyContentSpec assertProblem(RestTestClient.ResponseSpec response,
			HttpStatus status, String type) {
		return response.expectStatus()
			.isEqualTo(status)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo(TYPES + type)
			.jsonPath("$.status")
			.isEqualTo(status.value())
			.jsonPath("$.title")
			.exists();
	}

}
