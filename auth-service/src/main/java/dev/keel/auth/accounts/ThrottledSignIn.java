package dev.keel.auth.accounts;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Sign-in with a username and password: {@link SignInAttempts} first, then the password against the account's hash
 * (Spring Security's {@link DaoAuthenticationProvider}, which spends the same time on unknown usernames). Counts
 * {@code keel.auth.sign.ins} by outcome.
 */
@Component
class ThrottledSignIn implements AuthenticationProvider {

	private final SignInAttempts attempts;

	private final DaoAuthenticationProvider passwords;

	private final MeterRegistry meters;

	ThrottledSignIn(SignInAttempts attempts, AccountDetails accounts, PasswordEncoder encoder, MeterRegistry meters) {
		this.attempts = attempts;
		this.passwords = new DaoAuthenticationProvider(accounts);
		this.passwords.setPasswordEncoder(encoder);
		this.meters = meters;
		// Registered now, so that the failure-spike alert compares zeros rather than missing series.
		for (String outcome : new String[] { "success", "bad-credentials", "locked" }) {
			meters.counter("keel.auth.sign.ins", "outcome", outcome);
		}
	}

	@Override
	public Authentication authenticate(Authentication authentication) {
		String username = authentication.getName();
		Duration locked = this.attempts.begin(username);
		if (!locked.isZero()) {
			count("locked");
			throw new Locked(locked);
		}
		try {
			Authentication signedIn = this.passwords.authenticate(authentication);
			this.attempts.succeeded(username);
			count("success");
			return signedIn;
		}
		catch (BadCredentialsException ex) {
			count("bad-credentials");
			throw ex;
		}
	}

	@Override
	public boolean supports(Class<?> authentication) {
		return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
	}

	private void count(String outcome) {
		this.meters.counter("keel.auth.sign.ins", "outcome", outcome).increment();
	}

	/** Too many failed sign-ins for this username: none is checked until the lock ends. */
	static final class Locked extends LockedException {

		private final Duration remaining;

		Locked(Duration remaining) {
			super("Too many failed sign-ins");
			this.remaining = remaining;
		}

		long retryAfterSeconds() {
			return Math.max(1, this.remaining.toSeconds() + ((this.remaining.toNanosPart() > 0) ? 1 : 0));
		}

	}

}
