package dev.keel.user.users;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.keel.platform.test.TestIssuer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A team with an identity provider of its own (here laid out as a Keycloak realm, keys at a path of its own) points
 * the service at its issuer and at nothing else: the keys are found through the issuer's discovery document, its
 * tokens are accepted with the same rules, and tokens of any other issuer (keel's own test issuer here) are not.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class AnotherIssuerIT {

	private static final TestIssuer realm = TestIssuer.another();

	@Autowired
	private RestTestClient client;

	@DynamicPropertySource
	static void issuer(DynamicPropertyRegistry registry) {
		registry.add("keel.auth.issuer", realm::uri);
		registry.add("keel.auth.jwk-set-uri", () -> "");
	}

	@Test
	void tokensOfTheIssuerItIsPointedAtAreAcceptedAndNoOthers() {
		String carol = realm.customer("carol-" + UUID.randomUUID());
		UserResponse created = TestIssuer.signedIn(this.client, carol)
			.post()
			.uri("/api/v1/users")
			.contentType(MediaType.APPLICATION_JSON)
			.body("{\"email\":\"carol-%s@example.com\",\"name\":\"Carol\"}".formatted(UUID.randomUUID()))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(UserResponse.class)
			.returnResult()
			.getResponseBody();
		assertThat(created).isNotNull();

		TestIssuer.signedIn(this.client, carol).get().uri("/api/v1/users/{id}", created.id()).exchange().expectStatus().isOk();
		TestIssuer.signedIn(this.client, TestIssuer.get().customer("carol"))
			.get()
			.uri("/api/v1/users/{id}", created.id())
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.UNAUTHORIZED);
	}

}
