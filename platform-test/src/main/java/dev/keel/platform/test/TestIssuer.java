package dev.keel.platform.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.net.URLDecoder;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * An issuer of access tokens for a service's own integration tests: a key pair, its public half served as a JWKS
 * over real HTTP on loopback, and tokens signed with the private half. Every Spring test context points
 * {@code KEEL_ISSUER} and {@code KEEL_JWK_SET_URI} here ({@link TestEnvironmentContextCustomizerFactory}), so the
 * service verifies these tokens exactly as it verifies auth-service's. The system tests sign in at the real
 * auth-service instead.
 */
public final class TestIssuer {

	/** What config-repo's {@code keel.auth.audience} is. */
	public static final String AUDIENCE = "keel-api";

	/**
	 * The secret its token endpoint takes from any client (a service's own identity in its tests, which
	 * {@code KEEL_CLIENT_SECRET} names): the client credentials grant, as auth-service serves it.
	 */
	public static final String CLIENT_SECRET = "test-client-secret";

	/** How long the client credentials tokens it issues last, as auth-service's for services. */
	public static final Duration CLIENT_TOKEN_LIFETIME = Duration.ofHours(1);

	private final AtomicInteger clientTokens = new AtomicInteger();

	private volatile boolean refusingClients;

	private static final String KEY_ID = "test-key";

	private static TestIssuer instance;

	private final HttpServer server;

	/** Where, on the server, the issuer is and its keys are. */
	private final String path;

	private final String keysPath;

	private final RSAKey key;

	private final NimbusJwtEncoder encoder;

	/** Signs with a key the issuer never published, under a key id of its own each time. */
	private final RSAKey unpublished;

	private TestIssuer(HttpServer server, String path, String keysPath, RSAKey key, RSAKey unpublished) {
		this.server = server;
		this.path = path;
		this.keysPath = keysPath;
		this.key = key;
		this.unpublished = unpublished;
		this.encoder = new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(List.of(key, unpublished))));
	}

	/** The issuer of this test JVM, started on first use: keys where auth-service has them. */
	public static synchronized TestIssuer get() {
		if (instance == null) {
			instance = start("", "/oauth2/jwks");
		}
		return instance;
	}

	/**
	 * Another issuer, laid out as Keycloak lays out a realm ({@code /realms/keel}, keys at
	 * {@code /protocol/openid-connect/certs}), with keys of its own: what a team that brings its own identity
	 * provider points keel at.
	 */
	public static TestIssuer another() {
		return start("/realms/keel", "/realms/keel/protocol/openid-connect/certs");
	}

	/** Its keys at {@code keysPath}, and its OpenID Connect discovery document, which says where they are. */
	private static TestIssuer start(String path, String keysPath) {
		try {
			RSAKey key = rsaKey(KEY_ID);
			byte[] keySet = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
			server.createContext(keysPath, (exchange) -> answer(exchange, keySet));
			String base = "http://127.0.0.1:" + server.getAddress().getPort();
			byte[] discovery = ("{\"issuer\":\"" + base + path + "\",\"jwks_uri\":\"" + base + keysPath + "\"}")
				.getBytes(StandardCharsets.UTF_8);
			server.createContext(path + "/.well-known/openid-configuration", (exchange) -> answer(exchange, discovery));
			TestIssuer issuer = new TestIssuer(server, path, keysPath, key, rsaKey("never-published"));
			server.createContext(path + "/oauth2/token", issuer::clientToken);
			server.start();
			return issuer;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The client credentials grant: a client that authenticates with HTTP Basic and {@link #CLIENT_SECRET} gets a
	 * token for itself ({@code sub} its client id, no roles) with the scope it asked for.
	 */
	private void clientToken(HttpExchange exchange) throws IOException {
		String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
		if (this.refusingClients) {
			answer(exchange, 503, "{\"error\":\"temporarily_unavailable\"}".getBytes(StandardCharsets.UTF_8));
			return;
		}
		String authorization = exchange.getRequestHeaders().getFirst(HttpHeaders.AUTHORIZATION);
		String[] credentials = (authorization != null && authorization.startsWith("Basic "))
				? new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8).split(":", 2)
				: new String[0];
		if (credentials.length != 2 || !CLIENT_SECRET.equals(URLDecoder.decode(credentials[1], StandardCharsets.UTF_8))) {
			answer(exchange, 401, "{\"error\":\"invalid_client\"}".getBytes(StandardCharsets.UTF_8));
			return;
		}
		String client = URLDecoder.decode(credentials[0], StandardCharsets.UTF_8);
		String scope = formValue(form, "scope");
		String token = sign(this.key, (claims) -> claims.subject(client)
			.claim("scope", (scope != null) ? scope : "")
			.expiresAt(Instant.now().plus(CLIENT_TOKEN_LIFETIME)));
		this.clientTokens.incrementAndGet();
		answer(exchange, 200, ("{\"access_token\":\"%s\",\"token_type\":\"Bearer\",\"expires_in\":%d,\"scope\":\"%s\"}"
			.formatted(token, CLIENT_TOKEN_LIFETIME.toSeconds(), (scope != null) ? scope : "")).getBytes(StandardCharsets.UTF_8));
	}

	private static String formValue(String form, String name) {
		for (String pair : form.split("&")) {
			String[] parts = pair.split("=", 2);
			if (parts.length == 2 && URLDecoder.decode(parts[0], StandardCharsets.UTF_8).equals(name)) {
				return URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
			}
		}
		return null;
	}

	/** How many client credentials tokens it has issued. */
	public int clientTokensIssued() {
		return this.clientTokens.get();
	}

	/** While true, its token endpoint answers 503, as an auth-service that is down or overloaded. */
	public void refuseClients(boolean refusing) {
		this.refusingClients = refusing;
	}

	/** Where clients get tokens (the client credentials grant). */
	public String tokenUri() {
		return uri() + "/oauth2/token";
	}

	private static void answer(HttpExchange exchange, byte[] json) throws IOException {
		answer(exchange, 200, json);
	}

	private static void answer(HttpExchange exchange, int status, byte[] json) throws IOException {
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, json.length);
		exchange.getResponseBody().write(json);
		exchange.close();
	}

	private static RSAKey rsaKey(String id) throws NoSuchAlgorithmException {
		KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
		generator.initialize(2048);
		KeyPair pair = generator.generateKeyPair();
		return new RSAKey.Builder((RSAPublicKey) pair.getPublic()).privateKey((RSAPrivateKey) pair.getPrivate())
			.keyID(id)
			.build();
	}

	/** What tokens carry as {@code iss}. */
	public String uri() {
		return base() + this.path;
	}

	public String jwkSetUri() {
		return base() + this.keysPath;
	}

	private String base() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	/** The client, sending {@code token} with every request. */
	public static RestTestClient signedIn(RestTestClient client, String token) {
		return client.mutate().defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token).build();
	}

	/** A customer's token, as auth-service issues to the CLI: both API scopes, the customer role. */
	public String customer(String subject) {
		return token(subject, List.of("users", "orders"), List.of("customer"));
	}

	/** An administrator's token. */
	public String administrator(String subject) {
		return token(subject, List.of("users", "orders"), List.of("admin"));
	}

	public String token(String subject, List<String> scopes, List<String> roles) {
		return token((claims) -> claims.subject(subject)
			.claim("scope", String.join(" ", scopes))
			.claim("roles", roles));
	}

	/** A token with valid defaults (issuer, audience, 15 minutes), changed by {@code claims}. */
	public String token(Consumer<JwtClaimsSet.Builder> claims) {
		return sign(this.key, claims);
	}

	/** A customer's token signed with a key the issuer never published (a forger's, or one rotated out). */
	public String signedWithAnUnpublishedKey(String subject) {
		return sign(this.unpublished, (claims) -> claims.subject(subject)
			.claim("scope", "users orders")
			.claim("roles", List.of("customer")));
	}

	private String sign(RSAKey signer, Consumer<JwtClaimsSet.Builder> claims) {
		Instant now = Instant.now();
		JwtClaimsSet.Builder builder = JwtClaimsSet.builder()
			.issuer(uri())
			.audience(List.of(AUDIENCE))
			.issuedAt(now)
			.notBefore(now)
			.expiresAt(now.plus(Duration.ofMinutes(15)));
		claims.accept(builder);
		JwsHeader header = JwsHeader.with(SignatureAlgorithm.RS256).keyId(signer.getKeyID()).type("JWT").build();
		return this.encoder.encode(JwtEncoderParameters.from(header, builder.build())).getTokenValue();
	}

}
