package dev.keel.auth;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import dev.keel.auth.accounts.AccountProperties;
import dev.keel.launcher.SignIn;
import dev.keel.platform.test.ApiDescription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The authorization server over real HTTP, on the real embedded MariaDB, with config-repo's settings: a person signs
 * in as an app does (authorization code with PKCE) and gets a token that verifies against the published keys.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@Import(AuthServerIT.Clocks.class)
class AuthServerIT {

	/** The issuer names its own address, so the port is chosen before the server starts. */
	private static final int PORT = freePort();

	private static final int MANAGEMENT_PORT = freePort();

	private static final URI ISSUER = URI.create("http://localhost:" + PORT);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static final AtomicInteger addresses = new AtomicInteger();

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private AccountProperties accounts;

	@Autowired
	private SteppingClock clock;

	@DynamicPropertySource
	static void port(DynamicPropertyRegistry registry) {
		registry.add("server.port", () -> PORT);
		registry.add("MANAGEMENT_PORT", () -> MANAGEMENT_PORT);
		registry.add("keel.auth.issuer", ISSUER::toString);
		registry.add("spring.cloud.discovery.client.simple.instances.user-service[0].uri",
				() -> "http://127.0.0.1:" + UserServiceStub.port());
	}

	/** The sign-up API's description, held to its controller and to the snapshot in api/ (ApiDescription). */
	@Test
	void describesItsApiAsItsControllersServeIt(@Autowired RequestMappingHandlerMapping handlers) {
		RestTestClient anonymous = RestTestClient.bindToServer().baseUrl(ISSUER.toString()).build();
		ApiDescription description = ApiDescription.of(anonymous);
		description.assertDescribesEveryEndpointOf(handlers);
		description.assertValidationAgreesWith(anonymous);
		description.assertMatchesSnapshot("auth-service");
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
	void failedSignInsSlowDownThenLockTheUsernameWithAProblemWhetherAnAccountHasItOrNot() throws Exception {
		this.clock.freeze();
		try {
			for (String username : List.of("test-lockout", "nobody-" + System.nanoTime())) {
				String address = uniqueAddress();
				for (int failure = 1; failure <= this.accounts.maxFailedSignIns(); failure++) {
					if (failure > this.accounts.slowDownFrom()) {
						long wait = 1L << (failure - this.accounts.slowDownFrom() - 1);
						assertRefused(signInFrom(address, username, "guess"), wait);
						this.clock.advance(Duration.ofSeconds(wait));
					}
					assertWrongPassword(signInFrom(address, username, "guess"));
				}

				assertRefused(signInFrom(uniqueAddress(), username, "test-lockout-password"),
						this.accounts.lockFor().toSeconds());
				this.clock.advance(this.accounts.lockFor());
				if (username.equals("test-lockout")) {
					assertSignedIn(signInFrom(address, username, "test-lockout-password"));
				}
				else {
					assertWrongPassword(signInFrom(address, username, "guess"));
				}
			}
		}
		finally {
			this.clock.release();
		}
	}

	@Test
	void failedSignInsFromOneAddressSlowDownThenLockItWhateverTheUsernames() throws Exception {
		AccountProperties.PerAddress limits = this.accounts.perAddress();
		String address = uniqueAddress();
		this.clock.freeze();
		try {
			for (int failure = 1; failure <= limits.maxFailedSignIns(); failure++) {
				String username = "sprayed-" + failure + "-" + System.nanoTime();
				if (failure > limits.slowDownFrom()) {
					long wait = Math.min(1L << Math.min(failure - limits.slowDownFrom() - 1, 6), 60);
					assertRefused(signInFrom(address, username, "guess"), wait);
					this.clock.advance(Duration.ofSeconds(wait));
				}
				if (failure == limits.slowDownFrom() / 2) {
					// An account of the sprayer's own clears nothing.
					assertSignedIn(signInFrom(address, "test-customer", "test-customer-password"));
				}
				assertWrongPassword(signInFrom(address, username, "guess"));
			}

			assertRefused(signInFrom(address, "test-customer", "test-customer-password"),
					this.accounts.lockFor().toSeconds());
			assertRefused(signInFrom(address, "x".repeat(300), "guess"), this.accounts.lockFor().toSeconds());
			assertRefused(signInFrom(address, "test-customer", "test-customer-password"),
					this.accounts.lockFor().toSeconds());
			assertSignedIn(signInFrom(uniqueAddress(), "test-customer", "test-customer-password"));
			this.clock.advance(this.accounts.lockFor());
			assertSignedIn(signInFrom(address, "test-customer", "test-customer-password"));
		}
		finally {
			this.clock.release();
		}
	}

	@Test
	void anOverlongUsernameIsAWrongPassword() throws Exception {
		assertWrongPassword(signInFrom(uniqueAddress(), "x".repeat(300), "guess"));
	}

	/**
	 * One sign-in, as a browser behind this address sends it through the gateway (which appends the address to
	 * {@code X-Forwarded-For}): the form, then its post.
	 */
	private HttpResponse<String> signInFrom(String address, String username, String password) throws Exception {
		HttpClient browser = HttpClient.newBuilder()
			.cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
			.followRedirects(HttpClient.Redirect.NEVER)
			.connectTimeout(Duration.ofSeconds(5))
			.build();
		HttpResponse<String> form = browser.send(HttpRequest.newBuilder(ISSUER.resolve("/login"))
			.header("Accept", "text/html")
			.header("X-Forwarded-For", address)
			.build(), HttpResponse.BodyHandlers.ofString());
		Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(form.body());
		assertThat(csrf.find()).as(form.body()).isTrue();
		String fields = "username=" + URLEncoder.encode(username, StandardCharsets.UTF_8) + "&password="
				+ URLEncoder.encode(password, StandardCharsets.UTF_8) + "&_csrf=" + csrf.group(1);
		return browser.send(HttpRequest.newBuilder(ISSUER.resolve("/login"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.header("X-Forwarded-For", address)
			.POST(HttpRequest.BodyPublishers.ofString(fields))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static void assertWrongPassword(HttpResponse<String> answer) {
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(302);
		assertThat(answer.headers().firstValue("Location")).hasValueSatisfying(
				(location) -> assertThat(location).endsWith("/login?error"));
	}

	private static void assertSignedIn(HttpResponse<String> answer) {
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(302);
		assertThat(answer.headers().firstValue("Location")).hasValueSatisfying(
				(location) -> assertThat(location).doesNotContain("error"));
	}

	private static void assertRefused(HttpResponse<String> answer, long retryAfterSeconds) {
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(429);
		assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(answer.body()).contains("\"type\":\"https://keel.dev/problems/sign-in-locked\"");
		assertThat(answer.headers().firstValue("Retry-After")).hasValue(String.valueOf(retryAfterSeconds));
	}

	/** An address from a documentation range, new for each use: no other test's failures count against it. */
	private static String uniqueAddress() {
		int next = addresses.incrementAndGet();
		return "198.18." + (next / 250) + "." + (1 + next % 250);
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

	/**
	 * A confidential app keeps a person signed in: its refresh token gives new tokens for the same person, once
	 * (each refresh returns the next refresh token), and only to that app with its secret. The public client of
	 * the command line gets none.
	 */
	@Test
	void aConfidentialAppKeepsAPersonSignedInWithRefreshTokensThatAreEachGoodOnce() throws Exception {
		SignIn.Client web = new SignIn.Client("keel-web", "test-keel-web-secret");
		SignIn.Tokens signedIn = SignIn.signIn(ISSUER, web, "test-customer", "test-customer-password");
		assertThat(signedIn.refreshToken()).isNotBlank();

		SignIn.Tokens refreshed = SignIn.refresh(ISSUER, web, signedIn.refreshToken());

		JWTClaimsSet claims = SignedJWT.parse(refreshed.accessToken()).getJWTClaimsSet();
		assertThat(claims.getSubject()).isEqualTo("test-customer");
		assertThat(claims.getStringListClaim("roles")).containsExactly("customer");
		assertThat(claims.getAudience()).containsExactly("keel-api");
		assertThat(refreshed.accessToken()).isNotEqualTo(signedIn.accessToken());
		assertThat(refreshed.refreshToken()).isNotBlank().isNotEqualTo(signedIn.refreshToken());
		assertThatExceptionOfType(SignIn.SignInFailed.class).as("spent")
			.isThrownBy(() -> SignIn.refresh(ISSUER, web, signedIn.refreshToken()))
			.withMessageContaining("invalid_grant");
		assertThatExceptionOfType(SignIn.SignInFailed.class).as("without the app's secret")
			.isThrownBy(() -> SignIn.refresh(ISSUER, new SignIn.Client("keel-web", "not-its-secret"),
					refreshed.refreshToken()));
		assertThatExceptionOfType(SignIn.SignInFailed.class).as("another client")
			.isThrownBy(() -> SignIn.refresh(ISSUER, SignIn.CLI, refreshed.refreshToken()));
		assertThat(SignIn.refresh(ISSUER, web, refreshed.refreshToken()).accessToken()).as("the one returned works")
			.isNotBlank();
		assertThat(SignIn.signIn(ISSUER, SignIn.CLI, "test-customer", "test-customer-password").refreshToken())
			.as("a public client").isNull();
	}

	/** order-service's own token for its calls to user-service: its one scope, an hour, no roles. */
	@Test
	void aServiceGetsItsOwnTokenWithItsOneScopeAndNothingElse() throws Exception {
		HttpResponse<String> granted = clientCredentials("order-service:test-order-service-secret", "users:read");
		assertThat(granted.statusCode()).as(granted.body()).isEqualTo(200);
		String issued = JsonMapper.builder().build().readTree(granted.body()).get("access_token").asString();
		SignedJWT token = SignedJWT.parse(issued);
		JWTClaimsSet claims = token.getJWTClaimsSet();
		assertThat(claims.getSubject()).isEqualTo("order-service");
		assertThat(claims.getAudience()).containsExactly("keel-api");
		assertThat(claims.getStringListClaim("scope")).containsExactly("users:read");
		assertThat(claims.getClaim("roles")).isNull();
		assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
			.isEqualTo(Duration.ofHours(1));

		assertThat(clientCredentials("order-service:not-its-secret", "users:read").statusCode()).isEqualTo(401);
		HttpResponse<String> more = clientCredentials("order-service:test-order-service-secret", "users");
		assertThat(more.statusCode()).isEqualTo(400);
		assertThat(more.body()).contains("invalid_scope").doesNotContain("access_token");
		HttpResponse<String> publicClient = clientCredentials("keel-cli:", "users");
		assertThat(publicClient.statusCode()).as("a public client has no such grant").isBetween(400, 401);
		assertThat(publicClient.body()).doesNotContain("access_token");
	}

	private HttpResponse<String> clientCredentials(String credentials, String scope) throws Exception {
		return http.send(HttpRequest.newBuilder(ISSUER.resolve("/oauth2/token"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.header("Authorization",
					"Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
			.POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=" + scope))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void aNewCustomerSignsUpThenSignsInAndTheirProfileIsMadeWithAuthServicesOwnToken() throws Exception {
		warmUpSignUp();
		String username = uniqueUsername();
		String password = "correct horse battery staple";

		HttpResponse<String> signedUp = signUp(username, password, username + "@Example.com");

		assertThat(signedUp.statusCode()).as(signedUp.body()).isEqualTo(201);
		long profileId = UserServiceStub.profileOf(username);
		assertThat(signedUp.headers().firstValue("Location")).hasValue("/api/v1/users/" + profileId);
		assertThat(json(signedUp).get("status").asString()).isEqualTo("active");
		assertThat(json(signedUp).get("profileId").asLong()).isEqualTo(profileId);
		assertThat(signedUp.body()).doesNotContain(password);
		assertThat(UserServiceStub.callsFor(username)).singleElement().satisfies((call) -> {
			assertThat(call.caller()).as("auth-service's own token").isEqualTo("auth-service");
			assertThat(call.scopes()).containsExactly("users:provision");
			assertThat(call.email()).isEqualTo(username + "@example.com");
		});
		JWTClaimsSet claims = SignedJWT.parse(SignIn.accessToken(ISSUER, username, password)).getJWTClaimsSet();
		assertThat(claims.getSubject()).isEqualTo(username);
		assertThat(claims.getStringListClaim("roles")).containsExactly("customer");
		assertThat(this.meters.counter("keel.auth.sign.ups", "outcome", "active").count()).isPositive();
	}

	@Test
	void aSignUpThatBreaksARuleIsAProblemAndMakesNothing() throws Exception {
		String username = uniqueUsername();
		Map<String, String> weak = Map.of("tiny-pw", "too short", "password1234", "is a commonly used password",
				"my-" + username + "-pw", "must not contain the username", "abababababababab",
				"must have at least 5 different characters");
		for (Map.Entry<String, String> password : weak.entrySet()) {
			HttpResponse<String> refused = signUp(username, password.getKey(), username + "@example.com");
			assertProblem(refused, 400, "validation");
			assertThat(json(refused).get("errors").toString()).contains("#/password")
				.contains(password.getKey().equals("tiny-pw") ? "size must be between 12 and 72" : password.getValue());
			assertThat(refused.body()).doesNotContain(password.getKey());
		}
		for (String badName : List.of("Alice", "ab", "-dash-first", "has space", "x".repeat(65))) {
			assertProblem(signUp(badName, "correct horse battery staple", "someone@example.com"), 400, "validation");
		}
		assertProblem(signUp(username, "correct horse battery staple", "not-an-email"), 400, "validation");
		assertProblem(post("/api/v1/accounts", "{\"username\":"), 400, "malformed-request");
		assertThat(UserServiceStub.callsFor(username)).isEmpty();
		assertThatExceptionOfType(SignIn.SignInFailed.class)
			.isThrownBy(() -> SignIn.accessToken(ISSUER, username, "correct horse battery staple"))
			.withMessageContaining("wrong username or password");

		for (String taken : List.of("test-customer", "order-service", "keel-web")) {
			assertProblem(signUp(taken, "correct horse battery staple", uniqueUsername() + "@example.com"), 409,
					"username-taken");
		}
		assertThat(SignIn.accessToken(ISSUER, "test-customer", "test-customer-password")).as("still its own password")
			.isNotBlank();
	}

	@Test
	void whileUserServiceIsDownAnAccountIsPendingAndSignsInOnceItsProfileIsMade() throws Exception {
		String username = uniqueUsername();
		String password = "correct horse battery staple";
		UserServiceStub.failing(true);
		try {
			HttpResponse<String> accepted = signUp(username, password, username + "@example.com");
			assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
			assertThat(json(accepted).get("status").asString()).isEqualTo("pending");
			assertThat(accepted.headers().firstValue("Retry-After")).hasValue("5");
			assertThatExceptionOfType(SignIn.SignInFailed.class)
				.isThrownBy(() -> SignIn.accessToken(ISSUER, username, password))
				.withMessageContaining("409")
				.withMessageContaining("account-pending");
			assertThatExceptionOfType(SignIn.SignInFailed.class)
				.as("a wrong password is told as wrong, not as pending")
				.isThrownBy(() -> SignIn.accessToken(ISSUER, username, "not the password at all"))
				.withMessageContaining("wrong username or password");
		}
		finally {
			UserServiceStub.failing(false);
		}
		// Tried again every 5 s (keel.auth.sign-up), a generous deadline for a slow machine.
		Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
			.until(() -> SignIn.accessToken(ISSUER, username, password).length() > 0);
		assertThat(UserServiceStub.callsFor(username)).hasSizeGreaterThanOrEqualTo(2)
			.allSatisfy((call) -> assertThat(call.caller()).isEqualTo("auth-service"));
		assertThat(UserServiceStub.profileOf(username)).isNotNull();
	}

	@Test
	void anEmailUserServiceRefusesLeavesNoAccountNowOrAfterRetries() throws Exception {
		String password = "correct horse battery staple";
		warmUpSignUp();
		String now = uniqueUsername();
		UserServiceStub.refuse(now + "@example.com");

		assertProblem(signUp(now, password, now + "@example.com"), 409, "duplicate-email");
		assertThatExceptionOfType(SignIn.SignInFailed.class).isThrownBy(() -> SignIn.accessToken(ISSUER, now, password))
			.withMessageContaining("wrong username or password");
		assertThat(signUp(now, password, now + "-other@example.com").statusCode()).as("the username is free again")
			.isEqualTo(201);

		String later = uniqueUsername();
		UserServiceStub.failing(true);
		try {
			assertThat(signUp(later, password, later + "@example.com").statusCode()).isEqualTo(202);
		}
		finally {
			UserServiceStub.refuse(later + "@example.com");
			UserServiceStub.failing(false);
		}
		Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
			.untilAsserted(() -> assertThatExceptionOfType(SignIn.SignInFailed.class)
				.isThrownBy(() -> SignIn.accessToken(ISSUER, later, password))
				.withMessageContaining("wrong username or password"));
		assertThat(UserServiceStub.profileOf(later)).isNull();

		String reused = uniqueUsername();
		UserServiceStub.leftBehind(reused, "earlier-" + reused + "@example.com");
		assertProblem(signUp(reused, password, reused + "@example.com"), 409, "username-taken");
		assertThatExceptionOfType(SignIn.SignInFailed.class)
			.as("a name whose profile outlived its account is not handed to someone new")
			.isThrownBy(() -> SignIn.accessToken(ISSUER, reused, password))
			.withMessageContaining("wrong username or password");
	}

	/**
	 * The first sign-up of a JVM also fetches auth-service's own token, cold: on a slow machine that may outlast its
	 * timeout, and the profile is then made in the background (202). A test of what a warm sign-up answers comes
	 * after one that may be either, and waits for it to end signed in.
	 */
	private void warmUpSignUp() throws Exception {
		String username = uniqueUsername();
		HttpResponse<String> first = signUp(username, "correct horse battery staple", username + "@example.com");
		assertThat(first.statusCode()).as(first.body()).isIn(201, 202);
		Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
			.until(() -> SignIn.accessToken(ISSUER, username, "correct horse battery staple").length() > 0);
	}

	private HttpResponse<String> signUp(String username, String password, String email) throws Exception {
		return post("/api/v1/accounts", JsonMapper.builder()
			.build()
			.writeValueAsString(Map.of("username", username, "password", password, "email", email, "name", "New Customer")));
	}

	private HttpResponse<String> post(String path, String json) throws Exception {
		return this.http.send(HttpRequest.newBuilder(ISSUER.resolve(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static void assertProblem(HttpResponse<String> response, int status, String type) throws Exception {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(json(response).get("type").asString()).endsWith("/" + type);
	}

	private static tools.jackson.databind.JsonNode json(HttpResponse<String> response) {
		return JsonMapper.builder().build().readTree(response.body());
	}

	private static String uniqueUsername() {
		return "new-" + UUID.randomUUID().toString().substring(0, 13);
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
		for (String path : List.of("/", "/api/v1/accounts/1", "/userinfo")) {
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

	@TestConfiguration(proxyBeanMethods = false)
	static class Clocks {

		@Bean
		@Primary
		SteppingClock steppingClock() {
			return new SteppingClock();
		}

	}

	/**
	 * The time as the server sees it, which a test may stop and move on: waits of seconds and locks of minutes are
	 * checked exactly, whatever the machine's speed, and without waiting for them.
	 */
	static final class SteppingClock extends Clock {

		private volatile Instant frozen;

		@Override
		public Instant instant() {
			Instant frozen = this.frozen;
			return (frozen != null) ? frozen : Instant.now();
		}

		/** On a whole second, so that a wait stored and read back is whole seconds whatever the database rounds. */
		void freeze() {
			this.frozen = Instant.now().truncatedTo(ChronoUnit.SECONDS);
		}

		void advance(Duration duration) {
			this.frozen = this.frozen.plus(duration);
		}

		/** The real time again: what the test left behind belongs to names and addresses of its own. */
		void release() {
			this.frozen = null;
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			throw new UnsupportedOperationException();
		}

	}

}
