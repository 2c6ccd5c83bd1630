package dev.keel.launcher;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Signs a person in the way an app does, and returns their access token: the authorization code grant with PKCE
 * (RFC 7636), by default of the public client {@code keel-cli}, through the issuer's own endpoints: authorize, the
 * sign-in form, the redirect with the code, the token endpoint. There is no other way to a person's token (no
 * password grant, no back door in the services). Used by {@code ./platform token} and by the tests. A confidential
 * app ({@code keel-web}) also gets a refresh token, which {@link #refresh} spends for new tokens.
 */
public final class SignIn {

	/** The command line's own client: public (no secret), so the issuer gives it no refresh token. */
	public static final Client CLI = new Client("keel-cli", null);

	/**
	 * A loopback redirect (RFC 8252), the registered clients' default: nothing listens there, the code is read from
	 * the redirect itself.
	 */
	static final String LOOPBACK = "http://127.0.0.1/callback";

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

	private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern REFRESH_TOKEN = Pattern.compile("\"refresh_token\"\\s*:\\s*\"([^\"]+)\"");

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private SignIn() {
	}

	/**
	 * The access token of this account, with every API's scope ({@link Services#SCOPES}).
	 * @param issuer the issuer's base address, e.g. {@code http://localhost:8080}
	 * @throws SignInFailed when the issuer refuses (wrong password, locked account, unavailable)
	 */
	public static String accessToken(URI issuer, String username, String password) {
		return signIn(issuer, CLI, username, password).accessToken();
	}

	/**
	 * The tokens this account gets through {@code client}.
	 * @throws SignInFailed when the issuer refuses (wrong password, locked account, wrong client secret, unavailable)
	 */
	public static Tokens signIn(URI issuer, Client client, String username, String password) {
		HttpClient http = HttpClient.newBuilder()
			.cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
			.followRedirects(HttpClient.Redirect.NEVER)
			.connectTimeout(Duration.ofSeconds(5))
			.build();
		String verifier = random();
		String state = random();
		URI authorize = issuer.resolve("/oauth2/authorize?" + form(Map.of("response_type", "code", "client_id",
				client.id(), "scope", String.join(" ", Services.SCOPES), "redirect_uri", client.redirectUri(), "state", state,
				"code_challenge", challenge(verifier), "code_challenge_method", "S256")));
		URI signInPage = sameOrigin(issuer, redirect(send(http, get(authorize)), "the authorization request"));
		HttpResponse<String> page = send(http, get(signInPage));
		Matcher csrf = CSRF.matcher(page.body());
		if (page.statusCode() != 200 || !csrf.find()) {
			throw new SignInFailed("the sign-in page answered " + page.statusCode() + " without a form");
		}
		HttpResponse<String> signedIn = send(http, post(signInPage,
				Map.of("username", username, "password", password, "_csrf", csrf.group(1)), null));
		URI next = sameOrigin(issuer, redirect(signedIn, "the sign-in"));
		if (next.getQuery() != null && next.getQuery().contains("error")) {
			throw new SignInFailed("wrong username or password for " + username);
		}
		URI callback = redirect(send(http, get(next)), "the authorization after sign-in");
		Map<String, String> answer = query(callback);
		if (!state.equals(answer.get("state")) || answer.get("code") == null) {
			throw new SignInFailed("the issuer did not send a code back: " + answer.getOrDefault("error", "no error"));
		}
		Map<String, String> grant = new LinkedHashMap<>(Map.of("grant_type", "authorization_code", "code",
				answer.get("code"), "redirect_uri", client.redirectUri(), "code_verifier", verifier));
		return tokens(send(http, tokenRequest(issuer, client, grant)));
	}

	/**
	 * New tokens for a refresh token, which is spent: the issuer rotates it, so only the one returned works next.
	 * @throws SignInFailed when the issuer refuses it (spent, expired, another client's) or cannot be reached
	 */
	public static Tokens refresh(URI issuer, Client client, String refreshToken) {
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		return tokens(send(http, tokenRequest(issuer, client,
				new LinkedHashMap<>(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken)))));
	}

	/** A public client names itself in the form; a confidential one authenticates with HTTP Basic. */
	private static HttpRequest tokenRequest(URI issuer, Client client, Map<String, String> grant) {
		String basic = null;
		if (client.secret() == null) {
			grant.put("client_id", client.id());
		}
		else {
			basic = "Basic " + Base64.getEncoder()
				.encodeToString((URLEncoder.encode(client.id(), StandardCharsets.UTF_8) + ":"
						+ URLEncoder.encode(client.secret(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
		}
		return post(issuer.resolve("/oauth2/token"), grant, basic);
	}

	private static Tokens tokens(HttpResponse<String> token) {
		Matcher accessToken = ACCESS_TOKEN.matcher(token.body());
		if (token.statusCode() != 200 || !accessToken.find()) {
			// Its error, never a body that might hold tokens.
			throw new SignInFailed("the token endpoint answered " + token.statusCode()
					+ (token.statusCode() != 200 ? ": " + abbreviated(token.body()) : " without an access token"));
		}
		Matcher refreshToken = REFRESH_TOKEN.matcher(token.body());
		return new Tokens(accessToken.group(1), refreshToken.find() ? refreshToken.group(1) : null);
	}

	/**
	 * An app registered at the issuer.
	 * @param id its client id
	 * @param secret its secret, or none for a public client
	 * @param redirectUri the redirect address registered for it (the code is read from the redirect, not served)
	 */
	public record Client(String id, String secret, String redirectUri) {

		/** Registered with the loopback redirect, as keel-cli is and keel-web is by default. */
		public Client(String id, String secret) {
			this(id, secret, LOOPBACK);
		}

		/** Never the secret. */
		@Override
		public String toString() {
			return "Client[" + this.id + "]";
		}

	}

	/**
	 * What a sign-in or a refresh gives.
	 * @param accessToken the access token
	 * @param refreshToken the refresh token, or none (a public client gets none)
	 */
	public record Tokens(String accessToken, String refreshToken) {

		/** Never the tokens. */
		@Override
		public String toString() {
			return "Tokens[refreshable=" + (this.refreshToken != null) + "]";
		}

	}

	private static HttpRequest get(URI uri) {
		return HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "text/html").GET().build();
	}

	private static HttpRequest post(URI uri, Map<String, String> fields, String authorization) {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri)
			.timeout(TIMEOUT)
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(form(fields)));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		return request.build();
	}

	private static HttpResponse<String> send(HttpClient http, HttpRequest request) {
		try {
			return http.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new SignInFailed("cannot reach " + request.uri().resolve("/") + ": " + ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new SignInFailed("interrupted");
		}
	}

	/** Where a redirect sends the client; any other answer is the failure of that step, told as it came. */
	private static URI redirect(HttpResponse<String> response, String step) {
		Optional<String> location = response.headers().firstValue("Location");
		if (response.statusCode() / 100 != 3 || location.isEmpty()) {
			throw new SignInFailed(step + " answered " + response.statusCode() + ": " + abbreviated(response.body()));
		}
		return response.request().uri().resolve(location.get());
	}

	/** The password goes to the issuer only: a redirect elsewhere (a misconfigured proxy, say) ends the sign-in. */
	private static URI sameOrigin(URI issuer, URI next) {
		if (!issuer.getScheme().equalsIgnoreCase(next.getScheme()) || !issuer.getHost().equalsIgnoreCase(next.getHost())
				|| issuer.getPort() != next.getPort()) {
			throw new SignInFailed("the issuer " + issuer + " redirected to another origin: " + next.resolve("/"));
		}
		return next;
	}

	private static String abbreviated(String body) {
		return (body.length() > 300) ? body.substring(0, 300) + "..." : body;
	}

	private static Map<String, String> query(URI uri) {
		Map<String, String> parameters = new LinkedHashMap<>();
		if (uri.getRawQuery() != null) {
			for (String pair : uri.getRawQuery().split("&")) {
				int equals = pair.indexOf('=');
				if (equals > 0) {
					parameters.put(pair.substring(0, equals),
							java.net.URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
				}
			}
		}
		return parameters;
	}

	private static String form(Map<String, String> fields) {
		return fields.entrySet()
			.stream()
			.map((field) -> field.getKey() + "=" + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8))
			.collect(Collectors.joining("&"));
	}

	private static String random() {
		byte[] bytes = new byte[32];
		new SecureRandom().nextBytes(bytes);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	private static String challenge(String verifier) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
			return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The issuer refused or could not be reached; the message says which step and why. */
	public static final class SignInFailed extends RuntimeException {

		SignInFailed(String message) {
			super(message);
		}

	}

}
