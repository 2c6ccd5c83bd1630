package dev.keel.gateway;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemErrorHandlerTests {

	@Test
	void refusedConnectionIsServiceUnavailable() {
		assertThat(ProblemErrorHandler.problemFor(new IllegalStateException(new ConnectException("refused"))).status())
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
	}

	@Test
	void timeoutIsGatewayTimeout() {
		assertThat(ProblemErrorHandler.problemFor(new TimeoutException()).status())
			.isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
	}

	@Test
	void connectionLostAfterTheRequestIsBadGateway() {
		assertThat(ProblemErrorHandler.problemFor(new IOException("Connection prematurely closed")).status())
			.isEqualTo(HttpStatus.BAD_GATEWAY);
	}

	@Test
	void statusExceptionsKeepTheirStatusAndGetTheStatusType() {
		ProblemErrorHandler.Problem problem = ProblemErrorHandler
			.problemFor(new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS));

		assertThat(problem.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		assertThat(problem.type()).isEqualTo("too-many-requests");
	}

	@Test
	void anythingElseIsAnInternalErrorThatLeaksNothing() {
		ProblemErrorHandler.Problem problem = ProblemErrorHandler.problemFor(new IllegalStateException("secret"));

		assertThat(problem.status()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		assertThat(problem.detail()).doesNotContain("secret");
	}

}
