package dev.keel.auth.accounts;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AbstractAuthenticationFailureEvent;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;
import org.springframework.stereotype.Component;

/**
 * Counts sign-ins with a password: wrong passwords in a row lock the account for a while (guessing one account's
 * password takes years instead of hours), a right one clears the count. Unknown usernames count nothing, so the
 * answer never tells whether an account exists.
 */
@Component
class SignInLockout {

	private final AccountRepository accounts;

	private final AccountProperties properties;

	private final Clock clock;

	private final MeterRegistry meters;

	SignInLockout(AccountRepository accounts, AccountProperties properties, Clock clock, MeterRegistry meters) {
		this.accounts = accounts;
		this.properties = properties;
		this.clock = clock;
		this.meters = meters;
	}

	@EventListener
	void failed(AbstractAuthenticationFailureEvent event) {
		if (!(event.getAuthentication() instanceof UsernamePasswordAuthenticationToken signIn)) {
			return;
		}
		String reason = (event instanceof AuthenticationFailureBadCredentialsEvent) ? "bad-credentials" : "locked";
		this.meters.counter("keel.auth.sign.ins", "outcome", reason).increment();
		if (event instanceof AuthenticationFailureBadCredentialsEvent) {
			this.accounts.countFailedSignIn(signIn.getName(), this.properties.maxFailedSignIns(),
					this.clock.instant().plus(this.properties.lockFor()));
		}
	}

	@EventListener
	void succeeded(AuthenticationSuccessEvent event) {
		if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken signIn) {
			this.meters.counter("keel.auth.sign.ins", "outcome", "success").increment();
			this.accounts.countSignIn(signIn.getName());
		}
	}

}
