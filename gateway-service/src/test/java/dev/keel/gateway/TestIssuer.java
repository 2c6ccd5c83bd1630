package dev.keel.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/**
 * The gateway tests' token issuer: key pairs whose public halves a real HTTP endpoint publishes (the JWKS the gateway
 * fetches), and tokens signed with them, the way auth-service makes them; a second published key a test may withdraw,
 * and a key it never published, for tokens signed with a key that was rotated out or never existed. One per test JVM.
 */
final class TestIssuer {

	static final String ISSUER = "http://issuer.test";

	static final String AUDIENCE = "keel-api";

	private static TestIssuer instance;

	private final RSAKey key;

	private final RSAKey unpublished;

	/** A published key a test may withdraw, as an issuer retires one. */
	private final RSAKey second;

	private final Set<String> withdrawn = ConcurrentHashMap.newKeySet();

	private final AtomicInteger fetches = new AtomicInteger();

	private final HttpServer server;

	private TestIssuer() throws IOException, JOSEException {
		this.key = new RSAKeyGenerator(2048).keyID("test-1").keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
			.generate();
		this.unpublished = new RSAKeyGenerator(2048).keyID("test-retired").keyUse(KeyUse.SIGNATURE)
			.algorithm(JWSAlgorithm.RS256)
			.generate();
		this.second = new RSAKeyGenerator(2048).keyID("test-2").keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
			.generate();
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/oauth2/jwks", (exchange) -> {
			this.fetches.incrementAndGet();
			byte[] jwks = new JWKSet(Stream.of(this.key, this.second)
				.filter((published) -> !this.withdrawn.contains(published.getKeyID()))
				.map((published) -> (JWK) published.toPublicJWK())
				.toList()).toString().getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, jwks.length);
			exchange.getResponseBody().write(jwks);
			exchange.close();
		});
		this.server.start();
	}

	static synchronized TestIssuer get() {
		if (instance == null) {
			try {
				instance = new TestIssuer();
			}
			catch (IOException | JOSEException ex) {
				throw new IllegalStateException(ex);
			}
			Runtime.getRuntime().addShutdownHook(new Thread(() -> instance.server.stop(0), "test-issuer-stop"));
		}
		return instance;
	}

	String jwkSetUri() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/oauth2/jwks";
	}

	RSAKey key() {
		return this.key;
	}

	RSAKey unpublishedKey() {
		return this.unpublished;
	}

	RSAKey secondKey() {
		return this.second;
	}

	/** Stops (or, with false, resumes) publishing the second key. */
	void withdrawSecondKey(boolean withdraw) {
		if (withdraw) {
			this.withdrawn.add(this.second.getKeyID());
		}
		else {
			this.withdrawn.remove(this.second.getKeyID());
		}
	}

	/** How many times the key set was fetched. */
	int fetches() {
		return this.fetches.get();
	}

	/** A valid access token of this subject with these scopes, for an hour. */
	String token(String subject, String... scopes) {
		return sign(this.key, claims(subject, scopes).build());
	}

	/** A token of {@code test-user} with every scope, changed by {@code change} before it is signed. */
	String token(Consumer<JWTClaimsSet.Builder> change) {
		JWTClaimsSet.Builder claims = claims("test-user", "users", "orders");
		change.accept(claims);
		return sign(this.key, claims.build());
	}

	static JWTClaimsSet.Builder claims(String subject, String... scopes) {
		Instant now = Instant.now();
		return new JWTClaimsSet.Builder().subject(subject)
			.issuer(ISSUER)
			.audience(AUDIENCE)
			.issueTime(Date.from(now))
			.notBeforeTime(Date.from(now))
			.expirationTime(Date.from(now.plus(Duration.ofHours(1))))
			.claim("scope", List.of(scopes));
	}

	static String sign(RSAKey key, JWTClaimsSet claims) {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
			jwt.sign(new RSASSASigner(key));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
