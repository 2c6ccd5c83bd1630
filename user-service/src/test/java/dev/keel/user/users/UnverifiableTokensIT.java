package dev.keel.user.users;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.keel.platform.test.TestIssuer;

import static dev.keel.platform.test.Problems.assertProblem;

/**
 * A service whose issuer has never answered (its keys at an address where nothing listens) cannot tell a valid
 * token from a forged one: it answers 503, which a client retries, not 401, which would send a person to sign in
 * again, and never 500.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "spring.security.oauth2.resourceserver.jwt.jwk-set-uri=http://127.0.0.1:1/oauth2/jwks")
@AutoConfigureRestTestClient
class UnverifiableTokensIT {

	@Autowired
	private RestTestClient http;

	@Test
	void withoutTheIssuersKeysTokensAreUnverifiableNotInvalid() {
		String token = TestIssuer.get().customer("customer-" + UUID.randomUUID());

		assertProblem(http.get()
			.uri("/api/v1/users/1")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.exchange()
			.expectHeader()
			.valueEquals(HttpHeaders.RETRY_AFTER, "1"), HttpStatus.SERVICE_UNAVAILABLE, "service-unavailable");
	}

}
