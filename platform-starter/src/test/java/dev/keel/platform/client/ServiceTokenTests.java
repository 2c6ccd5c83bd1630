package dev.keel.platform.client;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.client.MockClientHttpRequest;
import org.springframework.mock.http.client.MockClientHttpResponse;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

import dev.keel.platform.test.TestIssuer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * A service's own token, from a real token endpoint over HTTP ({@link TestIssuer}), on a clock the test moves: so
 * renewal at half-life and an issuer outage are checked exactly, whatever the machine's speed.
 */
class ServiceTokenTests {

	private static final TestIssuer issuer = TestIssuer.get();

	private final MovableClock clock = new MovableClock();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private ServiceToken token;

	@BeforeEach
	void token() {
		this.token = token(TestIssuer.CLIENT_SECRET);
	}

	@AfterEach
	void issuerBack() {
		issuer.refuseClients(false);
	}

	@Test
	void oneTokenServesEveryCallUntilHalfItsLifetimeThenOneRequestRenewsIt() throws Exception {
		int before = issuer.clientTokensIssued();
		OAuth2AccessToken first = this.token.token();
		for (int call = 0; call < 5; call++) {
			assertThat(this.token.token()).isSameAs(first);
		}
		assertThat(issuer.clientTokensIssued() - before).isOne();
		assertThat(first.getScopes()).containsExactly("users:read");

		this.clock.move(TestIssuer.CLIENT_TOKEN_LIFETIME.dividedBy(2).plusMinutes(1));
		OAuth2AccessToken renewed = this.token.token();

		assertThat(renewed).isNotSameAs(first);
		assertThat(this.token.token()).isSameAs(renewed);
		assertThat(issuer.clientTokensIssued() - before).isEqualTo(2);
	}

	@Test
	void theFirstTokenIsFetchedWhenTheWebServerStartsNotByTheFirstCall() throws Exception {
		int before = issuer.clientTokensIssued();
		new FirstServiceToken(this.token).onApplicationEvent(started("management"));
		assertThat(issuer.clientTokensIssued() - before).as("the management server's start").isZero();

		new FirstServiceToken(this.token).onApplicationEvent(started(null));
		assertThat(issuer.clientTokensIssued() - before).isOne();
		this.token.token();
		assertThat(issuer.clientTokensIssued() - before).as("the first call's").isOne();
	}

	@Test
	void aServiceThatStartsWhileTheIssuerGivesNoneGetsOneAtItsFirstCall() throws Exception {
		issuer.refuseClients(true);
		this.clock.freeze();
		new FirstServiceToken(this.token).onApplicationEvent(started(null));
		assertThat(this.meters.get("keel.client.tokens").tag("outcome", "failed").counter().count()).isEqualTo(3);

		issuer.refuseClients(false);
		assertThat(this.token.token()).as("not failed fast: no call has tried yet").isNotNull();
	}

	@Test
	void concurrentCallsWithoutATokenFetchOne() throws Exception {
		int before = issuer.clientTokensIssued();
		List<Callable<OAuth2AccessToken>> calls = new ArrayList<>();
		for (int call = 0; call < 8; call++) {
			calls.add(this.token::token);
		}
		ExecutorService threads = Executors.newFixedThreadPool(8);
		try {
			List<OAuth2AccessToken> tokens = new ArrayList<>();
			for (Future<OAuth2AccessToken> result : threads.invokeAll(calls)) {
				tokens.add(result.get());
			}
			assertThat(tokens).allMatch((token) -> token == tokens.get(0));
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(issuer.clientTokensIssued() - before).isOne();
	}

	@Test
	void anIssuerOutageCostsNoCallWhileTheTokenLastsAndRenewalResumesAfterIt() throws Exception {
		OAuth2AccessToken first = this.token.token();
		issuer.refuseClients(true);

		this.clock.move(TestIssuer.CLIENT_TOKEN_LIFETIME.dividedBy(2).plusMinutes(1));
		assertThat(this.token.token()).as("renewal failed: the current token goes on").isSameAs(first);
		this.clock.move(Duration.ofSeconds(1));
		assertThat(this.token.token()).as("not tried again before RETRY_AFTER").isSameAs(first);
		assertThat(this.meters.get("keel.client.tokens").tag("outcome", "failed").counter().count()).isOne();

		issuer.refuseClients(false);
		this.clock.move(ServiceToken.RETRY_AFTER);
		assertThat(this.token.token()).as("renewed once the issuer is back").isNotSameAs(first);
	}

	@Test
	void withoutAUsableTokenACallFailsAsAnUnreachableServiceDoesAndFastWhileTheIssuerIsDown() {
		issuer.refuseClients(true);
		this.clock.freeze();

		assertThatExceptionOfType(ServiceToken.TokenUnavailable.class).isThrownBy(this.token::token)
			.withMessageContaining("the issuer did not give one");
		assertThatExceptionOfType(ServiceToken.TokenUnavailable.class).isThrownBy(this.token::token)
			.withMessageContaining("less than 5 s ago");
	}

	@Test
	void aWrongSecretGetsNoToken() {
		assertThatExceptionOfType(ServiceToken.TokenUnavailable.class)
			.isThrownBy(() -> token("not-the-secret").token())
			.withMessageContaining("order-service");
	}

	@Test
	void aTokenTheServiceRefusesIsDroppedAndTheNextCallGetsANewOne() throws Exception {
		OAuth2AccessToken first = this.token.token();
		MockClientHttpRequest request = new MockClientHttpRequest(HttpMethod.GET, URI.create("http://user-service/x"));

		// The service no longer accepts it (the key that signed it was retired): its answer is the call's.
		try (var response = this.token.intercept(request, new byte[0],
				(sent, body) -> new MockClientHttpResponse(new byte[0], HttpStatus.UNAUTHORIZED))) {
			assertThat(response.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		}
		assertThat(request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer " + first.getTokenValue());

		assertThat(this.token.token()).isNotSameAs(first);
	}

	private ServiceToken token(String secret) {
		return new ServiceToken(new ClientCredentialsProperties("order-service", secret, URI.create(issuer.tokenUri()),
				"users:read", Duration.ofSeconds(2), Duration.ofSeconds(10)), this.meters, this.clock);
	}

	private static WebServerInitializedEvent started(String serverNamespace) {
		WebServerApplicationContext context = mock(WebServerApplicationContext.class);
		given(context.getServerNamespace()).willReturn(serverNamespace);
		return new WebServerInitializedEvent(mock(WebServer.class)) {

			@Override
			public WebServerApplicationContext getApplicationContext() {
				return context;
			}

		};
	}

	/** The real time (tokens' issue times are), moved on by the test. */
	private static final class MovableClock extends Clock {

		private volatile Duration moved = Duration.ZERO;

		private volatile Instant frozen;

		void move(Duration by) {
			this.moved = this.moved.plus(by);
		}

		/** Stops it where it is: however slow the machine, no time passes between two calls. */
		void freeze() {
			this.frozen = instant();
		}

		@Override
		public Instant instant() {
			Instant frozen = this.frozen;
			return (frozen != null) ? frozen : Instant.now().plus(this.moved);
		}

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

	}

}
