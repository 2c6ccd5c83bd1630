package dev.keel.system;

import java.net.URI;
import java.net.http.HttpRequest;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

import dev.keel.launcher.SignIn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The signing key rotates as the README's procedure says, by three commits to config-repo and no restart, while
 * requests go on through the gateway and straight to every service instance: not one of them fails. Between the
 * steps the procedure waits for what each verifier reports ({@code keel_security_jwks_keys}), not for a clock.
 * Before the classes that kill instances or restart the platform in nacos mode: it needs every instance up.
 */
@Order(5)
class KeyRotationIT {

	/** Generous: a slow machine reloads slowly (config refresh, then a verifier's next fetch of the keys). */
	private static final Duration DEADLINE = Duration.ofSeconds(180);

	private static final String CONFIG = "auth-service-dev.yml";

	private static final String PUBLISHED = "        dev: ${KEEL_AUTH_SIGNING_KEY}\n";

	@RegisterExtension
	static final Platform platform = Platform.platform;

	private static final ConfigRepository repository = platform.configRepository();

	/** Every process that verifies tokens: the gateway, and each instance of each service, by its actuator. */
	private static final List<String> verifiers = verifiers();

	@Test
	void theSigningKeyRotatesUnderSteadyLoadWithoutAFailedRequest() {
		String before = signIn();
		assertThat(keyId(before)).isEqualTo("dev");
		long profile = new Http(platform.gateway(), () -> before)
			.post("/api/v1/users", "{\"email\":\"rotation-%s@example.com\",\"name\":\"Rotation\"}"
				.formatted(UUID.randomUUID()))
			.json()
			.get("id")
			.asLong();
		// The token an app holds: signed in again once signing has moved on, as an app does when its token expires.
		AtomicReference<String> held = new AtomicReference<>(before);
		List<String> instances = new ArrayList<>();
		for (int replica = 1; replica <= Platform.REPLICAS; replica++) {
			instances.add(platform.instance("user-service", replica) + "/api/v1/users/" + profile);
			instances.add(platform.instance("order-service", replica) + "/api/v1/orders?userId=" + profile);
		}
		// A load one core carries while every verifier refetches the keys (at 20 + 16 GET/s, twelve JVMs on one core
		// saturated it and user-service's database connections timed out): this is about no failed request while
		// the key changes, not about capacity.
		try (Load throughGateway = Load.start("GET through the gateway", 10, Set.of(200),
				() -> getRequest(platform.gateway() + "/api/v1/users/" + profile, held.get()));
				Load straight = Load.start("GET straight to each instance", 8, Set.of(200),
						(tick) -> getRequest(instances.get((int) (tick % instances.size())), held.get()))) {
			throughGateway.awaitAnswers(20);

			// 1. Publish the next key beside the current one, which still signs.
			repository.replace(CONFIG, PUBLISHED, PUBLISHED + "        next: " + newKey() + "\n");
			repository.commit("Publish the next signing key");
			awaitEveryVerifier("knows the next key", (keys) -> keys.contains("next"));

			// 2. Sign with it: new tokens name it, and tokens signed before verify still.
			repository.replace(CONFIG, "active: dev", "active: next");
			repository.commit("Sign with the next key");
			AtomicReference<String> after = new AtomicReference<>();
			await().atMost(DEADLINE).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
				after.set(signIn());
				assertThat(keyId(after.get())).isEqualTo("next");
			});
			held.set(after.get());
			throughGateway.awaitAnswers(40);
			assertThat(get(platform.gateway() + "/api/v1/users/" + profile, before)).as("a token signed before")
				.isEqualTo(200);

			// 3. Retire the old key once no token it signed is in use (after the longest token lifetime).
			repository.replace(CONFIG, PUBLISHED, "");
			repository.commit("Retire the old signing key");
			awaitEveryVerifier("has forgotten the old key", (keys) -> !keys.contains("dev"));
			assertThat(get(platform.gateway() + "/api/v1/users/" + profile, before)).as("a token the old key signed")
				.isEqualTo(401);
			throughGateway.awaitAnswers(20);
			straight.awaitAnswers(20);

			System.out.println("Rotated under load: " + throughGateway + "; " + straight);
			assertThat(throughGateway.failures()).as(throughGateway.toString()).isEmpty();
			assertThat(straight.failures()).as(straight.toString()).isEmpty();
		}
	}

	/** Back to the key the platform started with, which the classes after this one sign in with. */
	@AfterAll
	static void restoreTheSigningKey() {
		repository.restore(CONFIG);
		repository.commit("Back to config-repo as it is");
		platform.forgetTokens();
		await().atMost(DEADLINE).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
			String token = signIn();
			assertThat(keyId(token)).isEqualTo("dev");
			assertThat(get(platform.gateway() + "/api/v1/products", token)).isEqualTo(200);
			for (int replica = 1; replica <= Platform.REPLICAS; replica++) {
				assertThat(get(platform.instance("user-service", replica) + "/api/v1/users/0", token)).isEqualTo(404);
				assertThat(get(platform.instance("order-service", replica) + "/api/v1/orders/0", token)).isEqualTo(404);
			}
		});
	}

	private static void awaitEveryVerifier(String what, Predicate<Set<String>> keys) {
		for (String verifier : verifiers) {
			await().atMost(DEADLINE)
				.pollInterval(Duration.ofMillis(500))
				.untilAsserted(() -> {
					Set<String> known = knownKeys(verifier);
					assertThat(keys.test(known)).as("%s %s: %s", verifier, what, known).isTrue();
				});
		}
	}

	/** The key ids a verifier reports it knows, from its Prometheus metrics. */
	private static Set<String> knownKeys(String management) {
		return new Http(management).get("/actuator/prometheus")
			.raw()
			.body()
			.lines()
			.filter((line) -> line.startsWith("keel_security_jwks_keys{"))
			.map((line) -> line.replaceAll(".*kid=\"([^\"]*)\".*", "$1"))
			.collect(Collectors.toSet());
	}

	private static List<String> verifiers() {
		List<String> verifiers = new ArrayList<>(platform.gatewayManagements());
		for (String service : List.of("user-service", "order-service")) {
			for (int replica = 1; replica <= Platform.REPLICAS; replica++) {
				verifiers.add(platform.management(service, replica));
			}
		}
		return verifiers;
	}

	/** A real sign-in as alice, as ./platform token does it: a token from the key that signs now. */
	private static String signIn() {
		return SignIn.accessToken(URI.create(platform.gateway()), "alice", platform.accountPassword("alice"));
	}

	private static int get(String uri, String token) {
		return new Http(uri).send(HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + token).GET())
			.status();
	}


	private static HttpRequest getRequest(String uri, String token) {
		return HttpRequest.newBuilder(URI.create(uri))
			.header("Authorization", "Bearer " + token)
			.timeout(Duration.ofSeconds(30))
			.GET()
			.build();
	}

	private static String keyId(String token) {
		byte[] header = Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.')));
		return JsonMapper.builder().build().readTree(header).get("kid").asString();
	}

	/** A new RSA key as a team makes one (openssl genpkey), in PKCS#8; one line, as the YAML value. */
	private static String newKey() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			return Base64.getEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
