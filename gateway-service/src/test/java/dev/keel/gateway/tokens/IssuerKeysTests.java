package dev.keel.gateway.tokens;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.web.reactive.function.client.WebClient;

import dev.keel.platform.security.KnownKeys;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Given only an issuer (no {@code jwk-set-uri}), as a team with Keycloak configures it, the gateway finds the keys
 * where the issuer's discovery document says, over real HTTP; a document that names another issuer is not believed.
 */
class IssuerKeysTests {

	private final AtomicReference<String> documentIssuer = new AtomicReference<>();

	private HttpServer server;

	private RSAKey key;

	private String issuer;

	@BeforeEach
	void realm() throws Exception {
		this.key = new RSAKeyGenerator(2048).keyID("realm-key").generate();
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		String base = "http://127.0.0.1:" + this.server.getAddress().getPort();
		this.issuer = base + "/realms/keel";
		this.documentIssuer.set(this.issuer);
		this.server.createContext("/realms/keel/.well-known/openid-configuration", (exchange) -> answer(exchange,
				"{\"issuer\":\"" + this.documentIssuer.get() + "\",\"jwks_uri\":\"" + base
						+ "/realms/keel/protocol/openid-connect/certs\"}"));
		this.server.createContext("/realms/keel/protocol/openid-connect/certs",
				(exchange) -> answer(exchange, new JWKSet(this.key.toPublicJWK()).toString()));
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	@Test
	void theKeysAreWhereTheIssuersDiscoveryDocumentSays() throws Exception {
		assertThat(keys().apply(signed()).map(JWK::getKeyID).collectList().block(Duration.ofSeconds(30)))
			.containsExactly("realm-key");
	}

	@Test
	void aDiscoveryDocumentOfAnotherIssuerIsNotBelieved() throws Exception {
		this.documentIssuer.set("http://evil.test");

		assertThat(keys().apply(signed()).collectList().onErrorReturn(java.util.List.of()).block(Duration.ofSeconds(30)))
			.isEmpty();
	}

	private IssuerKeys keys() {
		return new IssuerKeys(WebClient.create(), this.issuer, "", Duration.ofMinutes(5), Duration.ofSeconds(30),
				new KnownKeys(new SimpleMeterRegistry()), Clock.systemUTC());
	}

	private SignedJWT signed() throws Exception {
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("realm-key").build(),
				new JWTClaimsSet.Builder().subject("carol").issuer(this.issuer).build());
		jwt.sign(new RSASSASigner(this.key));
		return jwt;
	}

	private static void answer(HttpExchange exchange, String json) throws java.io.IOException {
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(200, body.length);
		exchange.getResponseBody().write(body);
		exchange.close();
	}

}
