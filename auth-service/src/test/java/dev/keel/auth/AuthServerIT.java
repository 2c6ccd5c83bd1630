package dev.keel.auth;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.keel.launcher.SignIn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The authorization server over real HTTP, on the real embedded MariaDB, with config-repo's settings: a person signs
 * in as an app does (authorization code with PKCE) and gets a token that verifies against the published keys.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class AuthServerIT {

	/** The issuer names its own address, so the port is chosen before the server starts. */
	private static final int PORT = freePort();

	private static final int MANAGEMENT_PORT = freePort();

	private static final URI ISSUER = URI.create("http://localhost:" + PORT);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Autowired
	private MeterRegistry meters;

	@DynamicPropertySource
	static void port(DynamicPropertyRegistry registry) {
		registry.add("server.port", () -> PORT);
		registry.add("MANAGEMENT_PORT", () -> MANAGEMENT_PORT);
		registry.add("keel.auth.issuer", ISSUER::toString);
	}

	@Test
	void aPersonSignedInThroughAnAppGetsAnAccessTokenForTheApi() throws Exception {
		SignedJWT token = SignedJWT.parse(SignIn.accessToken(ISSUER, "test-customer", "test-customer-password"));

		JWKSet published = JWKSet.load(ISSUER.resolve("/oauth2/jwks").toURL());
		RSAKey key = (RSAKey) published.getKeyByKeyId(token.getHeader().getKeyID());
		assertThat(key).as("the signing key, published under the token's kid").isNotNull();
		assertThat(key.isPrivate()).as("only public keys are published").isFalse();
		assertThat(token.verify(new RSASSAVerifier(key))).isTrue();
		JWTClaimsSet claims = token.getJWTClaimsSet();
		assertThat(claims.getIssuer()).isEqualTo(ISSUER.toString());
		assertThat(claims.getAudience()).containsExactly("keel-api");
		assertThat(claims.getSubject()).isEqualTo("test-customer");
		assertThat(claims.getStringListClaim("roles")).containsExactly("customer");
		assertThat(claims.getStringListClaim("scope")).contains("users", "orders");
		assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
			.isEqualTo(Duration.ofMinutes(15));
		assertThat(claims.getExpirationTime()).isAfter(new Date());
	}

	@Test
	void rolesComeFromTheAccount() throws Exception {
		SignedJWT token = SignedJWT.parse(SignIn.accessToken(ISSUER, "test-admin", "test-admin-password"));

		assertThat(token.getJWTClaimsSet().getStringListClaim("roles")).containsExactly("admin");
	}

	@Test
	void aWrongPasswordGetsNoToken() {
		assertThatExceptionOfType(SignIn.SignInFailed.class)
			.isThrownBy(() -> SignIn.accessToken(ISSUER, "test-customer", "not-the-password"))
			.withMessageContaining("wrong username or password");
		assertThatExceptionOfType(SignIn.SignInFailed.class)
			.isThrownBy(() -> SignIn.accessToken(ISSUER, "nobody", "test-customer-password"))
			.withMessageContaining("wrong username or password");
	}

	@Test
	void repeatedWrongPasswordsLockTheUsernameWithAProblemWhetherAnAccountHasItOrNot() {
		for (String username : List.of("test-lockout", "nobody-" + System.nanoTime())) {
			for (int attempt = 1; attempt <= 5; attempt++) {
				assertThatExceptionOfType(SignIn.SignInFailed.class).as(username)
					.isThrownBy(() -> SignIn.accessToken(ISSUER, username, "guess"))
					.withMessageContaining("wrong username or password");
			}

			assertThatExceptionOfType(SignIn.SignInFailed.class)
				.as("%s locked: even the right password is refused, and so is an unknown username", username)
				.isThrownBy(() -> SignIn.accessToken(ISSUER, username, "test-lockout-password"))
				.withMessageContaining("429")
				.withMessageContaining("\"type\":\"https://keel.dev/problems/sign-in-locked\"");
		}
	}

	@Test
	void concurrentGuessesCannotCheckMorePasswordsThanTheLimit() throws Exception {
		String username = "guessed-" + System.nanoTime();
		double checkedBefore = signIns("bad-credentials");
		ExecutorService guessers = Executors.newFixedThreadPool(12);
		List<Future<String>> guesses = new ArrayList<>();
		for (int i = 0; i < 24; i++) {
			int guess = i;
			guesses.add(guessers.submit(() -> {
				try {
					return SignIn.accessToken(ISSUER, username, "guess-" + guess);
				}
				catch (SignIn.SignInFailed ex) {
					return ex.getMessage();
				}
			}));
		}
		List<String> answers = new ArrayList<>();
		for (Future<String> guess : guesses) {
			answers.add(guess.get(120, TimeUnit.SECONDS));
		}
		guessers.shutdown();

		assertThat(signIns("bad-credentials") - checkedBefore).as("passwords checked").isLessThanOrEqualTo(5);
		assertThat(this.meters.find("keel.transaction.calls").tag("operation", "signInAttempt").counters())
			.as("attempts counted in a transaction (the row lock lasts until it ends)")
			.isNotEmpty();
		assertThat(answers).filteredOn((answer) -> answer.contains("sign-in-locked")).hasSizeGreaterThanOrEqualTo(19);
	}

	private double signIns(String outcome) {
		Counter counter = this.meters.find("keel.auth.sign.ins").tag("outcome", outcome).counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Test
	void actuatorOnItsOwnPortAnswersProbesAndMetricsWithoutASignIn() throws Exception {
		for (String path : List.of("/actuator/health/readiness", "/actuator/health/liveness", "/actuator/prometheus")) {
			HttpResponse<String> answer = this.http.send(
					HttpRequest.newBuilder(URI.create("http://localhost:" + MANAGEMENT_PORT + path)).GET().build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(answer.statusCode()).as(path).isEqualTo(200);
		}
	}

	@Test
	void theIssuerOffersNoPasswordGrantAndInsistsOnPkce() throws Exception {
		String metadata = get("/.well-known/openid-configuration").body();
		assertThat(metadata).contains("\"issuer\":\"" + ISSUER + "\"")
			.contains("\"code_challenge_methods_supported\":[\"S256\"]")
			.doesNotContain("\"password\"");

		HttpResponse<String> password = http.send(HttpRequest.newBuilder(ISSUER.resolve("/oauth2/token"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers
				.ofString("grant_type=password&username=test-customer&password=test-customer-password&client_id=keel-cli"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(password.statusCode()).isBetween(400, 401);
		assertThat(password.body()).doesNotContain("access_token");

		HttpResponse<String> withoutPkce = get("/oauth2/authorize?response_type=code&client_id=keel-cli"
				+ "&redirect_uri=http://127.0.0.1/callback&scope=users");
		assertThat(withoutPkce.statusCode()).isIn(302, 400);
		assertThat(withoutPkce.headers().firstValue("Location").orElse("")).doesNotContain("code=");
	}

	@Test
	void probesArePublicAndEverythingElseIsNot() throws Exception {
		assertThat(this.http.send(HttpRequest.newBuilder(ISSUER.resolve("/readyz")).GET().build(),
				HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
		for (String path : List.of("/", "/api/v1/accounts", "/userinfo")) {
			assertThat(get(path).statusCode()).as(path).isIn(302, 401);
		}
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(ISSUER.resolve(path)).header("Accept", "text/html").GET().build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
