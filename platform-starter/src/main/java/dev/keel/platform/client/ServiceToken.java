package dev.keel.platform.client;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.converter.FormHttpMessageConverter;
import org.springframework.security.oauth2.client.endpoint.OAuth2AccessTokenResponseClient;
import org.springframework.security.oauth2.client.endpoint.OAuth2ClientCredentialsGrantRequest;
import org.springframework.security.oauth2.client.endpoint.RestClientClientCredentialsTokenResponseClient;
import org.springframework.security.oauth2.client.http.OAuth2ErrorResponseErrorHandler;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.http.converter.OAuth2AccessTokenResponseHttpMessageConverter;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import org.springframework.web.client.RestClient;

/**
 * The calling service's own access token, sent with each of its calls to other services: it holds the one scope
 * those calls need ({@link ClientCredentialsProperties}), and a person's token never leaves the service it was
 * sent to. Obtained through the client credentials grant by Spring Security's token client.
 * <p>
 * Why not Spring Security's {@code OAuth2ClientHttpRequestInterceptor}: it renews only within a fixed skew of
 * expiry, lets every request that finds the token due fetch one at the same time, and fails calls while the
 * issuer is down although the token it holds is still good. Here the token is renewed from half its lifetime, by
 * one request while the others go on with the current token; a renewal that fails keeps the current token until
 * it expires and is tried again after {@link #RETRY_AFTER}. So an issuer outage shorter than half a token's
 * lifetime costs no call. A fetch takes at most the connect and read timeouts, which the gateway's time budget
 * for a request that calls another service counts (GatewayBudgetTests).
 */
public final class ServiceToken implements ClientHttpRequestInterceptor {

	private static final Logger logger = LoggerFactory.getLogger(ServiceToken.class);

	/** After a failed fetch, none is tried before this: calls fail fast rather than queue on a down issuer. */
	static final Duration RETRY_AFTER = Duration.ofSeconds(5);

	/** A token is not sent this close to its expiry: it could expire on the way. */
	private static final Duration MARGIN = Duration.ofSeconds(10);

	private final ClientRegistration registration;

	private final OAuth2AccessTokenResponseClient<OAuth2ClientCredentialsGrantRequest> client;

	private final Clock clock;

	private final ReentrantLock fetching = new ReentrantLock();

	private final Counter fetched;

	private final Counter failed;

	private final AtomicReference<Held> current = new AtomicReference<>();

	private volatile Instant nextAttempt = Instant.MIN;

	ServiceToken(ClientCredentialsProperties properties, MeterRegistry meters, Clock clock) {
		Assert.hasText(properties.clientSecret(), "keel.client-credentials.client-secret must be set (KEEL_CLIENT_SECRET)");
		Assert.notNull(properties.tokenUri(), "keel.client-credentials.token-uri must name the issuer's token endpoint");
		this.registration = ClientRegistration.withRegistrationId("keel")
			.clientId(properties.clientId())
			.clientSecret(properties.clientSecret())
			.clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
			.authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
			.scope(StringUtils.commaDelimitedListToSet(properties.scope()))
			.tokenUri(properties.tokenUri().toString())
			.build();
		this.client = tokenClient(properties.connectTimeout(), properties.readTimeout());
		this.clock = clock;
		this.fetched = meters.counter("keel.client.tokens", "outcome", "fetched");
		this.failed = meters.counter("keel.client.tokens", "outcome", "failed");
	}

	/**
	 * Spring Security's client, configured as its default is (form out, token response or OAuth 2 error in), with
	 * timeouts: its default waits for the issuer for ever.
	 */
	private static RestClientClientCredentialsTokenResponseClient tokenClient(Duration connectTimeout,
			Duration readTimeout) {
		JdkClientHttpRequestFactory transport = new JdkClientHttpRequestFactory(
				HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1).build());
		transport.setReadTimeout(readTimeout);
		RestClientClientCredentialsTokenResponseClient client = new RestClientClientCredentialsTokenResponseClient();
		client.setRestClient(RestClient.builder()
			.requestFactory(transport)
			.configureMessageConverters((converters) -> converters.addCustomConverter(new FormHttpMessageConverter())
				.addCustomConverter(new OAuth2AccessTokenResponseHttpMessageConverter()))
			.defaultStatusHandler(new OAuth2ErrorResponseErrorHandler())
			.build());
		return client;
	}

	/**
	 * Fetches a token now, if none is held, whatever an earlier failure says: for {@link FirstServiceToken}, before
	 * any call needs one. A failure here does not make the calls that follow fail fast; the first of them tries again.
	 */
	void fetchFirst() throws IOException {
		this.fetching.lock();
		try {
			if (this.current.get() != null) {
				return;
			}
			this.nextAttempt = Instant.MIN;
			try {
				fetch(this.clock.instant());
			}
			finally {
				this.nextAttempt = Instant.MIN;
			}
		}
		finally {
			this.fetching.unlock();
		}
	}

	String clientId() {
		return this.registration.getClientId();
	}

	/**
	 * Sends the token. A 401 means the service called no longer accepts it (the key that signed it was retired
	 * early): the call fails as the service answered, and the next one gets a new token. Sending it again here
	 * would double the call in the time budget of the request that makes it.
	 */
	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		Held held = held();
		request.getHeaders().setBearerAuth(held.token().getTokenValue());
		ClientHttpResponse response = execution.execute(request, body);
		if (response.getStatusCode() == HttpStatus.UNAUTHORIZED && this.current.compareAndSet(held, null)) {
			logger.warn("{} refused {}'s access token; the next call gets a new one", request.getURI().getHost(),
					this.registration.getClientId());
		}
		return response;
	}

	/** The current token, renewed when due. */
	OAuth2AccessToken token() throws IOException {
		return held().token();
	}

	private Held held() throws IOException {
		Held held = this.current.get();
		Instant now = this.clock.instant();
		if (held != null && now.isBefore(held.renewFrom())) {
			return held;
		}
		if (held != null && held.usableAt(now)) {
			// Due: one request renews it, the others go on with it meanwhile; so does everyone if renewal fails.
			if (!now.isBefore(this.nextAttempt) && this.fetching.tryLock()) {
				try {
					// Another request may have renewed it, or failed to, since this one looked.
					if (this.current.get() == held && !now.isBefore(this.nextAttempt)) {
						fetch(now);
					}
				}
				catch (IOException ex) {
					logger.warn("Could not renew {}'s access token; the current one serves until {}: {}",
							this.registration.getClientId(), held.usableUntil(), String.valueOf(ex.getCause()));
				}
				finally {
					this.fetching.unlock();
				}
			}
			Held latest = this.current.get();
			if (latest != null) {
				return latest;
			}
		}
		// None, expired or refused: every call needs a new one. One request fetches it, the others wait for it.
		this.fetching.lock();
		try {
			Held latest = this.current.get();
			if (latest != null && latest.usableAt(this.clock.instant())) {
				return latest;
			}
			return fetch(this.clock.instant());
		}
		finally {
			this.fetching.unlock();
		}
	}

	private Held fetch(Instant now) throws IOException {
		if (now.isBefore(this.nextAttempt)) {
			throw new TokenUnavailable(this.registration.getClientId(), "the last attempt failed less than "
					+ RETRY_AFTER.toSeconds() + " s ago", null);
		}
		try {
			OAuth2AccessToken token = this.client
				.getTokenResponse(new OAuth2ClientCredentialsGrantRequest(this.registration))
				.getAccessToken();
			Held held = Held.of(token, this.clock.instant());
			this.current.set(held);
			this.nextAttempt = Instant.MIN;
			this.fetched.increment();
			return held;
		}
		catch (RuntimeException ex) {
			// Refused (a wrong secret, an unknown scope), unreachable or timed out: no token either way.
			this.nextAttempt = now.plus(RETRY_AFTER);
			this.failed.increment();
			throw new TokenUnavailable(this.registration.getClientId(), "the issuer did not give one", ex);
		}
	}

	/**
	 * A token and when, by this service's clock, to renew it and to stop sending it: timed from when it arrived and
	 * its lifetime ({@code expires_in}), not from the issuer's clock.
	 */
	private record Held(OAuth2AccessToken token, Instant renewFrom, Instant usableUntil) {

		static Held of(OAuth2AccessToken token, Instant arrived) {
			Duration lifetime = (token.getIssuedAt() != null && token.getExpiresAt() != null)
					? Duration.between(token.getIssuedAt(), token.getExpiresAt()) : Duration.ZERO;
			// Half way through its lifetime: early enough to ride out an issuer outage of the other half.
			return new Held(token, arrived.plus(lifetime.dividedBy(2)), arrived.plus(lifetime).minus(MARGIN));
		}

		boolean usableAt(Instant now) {
			return now.isBefore(this.usableUntil);
		}

	}

	/**
	 * No token to call with: an I/O failure of the call, which the service's client reports as it reports an
	 * unreachable service (a {@code ResourceAccessException}), never as a 500.
	 */
	static final class TokenUnavailable extends IOException {

		TokenUnavailable(String clientId, String why, Throwable cause) {
			super("No access token for " + clientId + ": " + why, cause);
		}

	}

}
