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
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Sign-in with a username and password: {@link SignInAttempts} first (per username and per {@link SignInAddress}),
 * then the password against the account's hash (Spring Security's {@link DaoAuthenticationProvider}, which spends
 * the same time on unknown usernames). Counts {@code keel.auth.sign.ins} by outcome.
 */
@Component
class ThrottledSignIn implements AuthenticationProvider {

	/** Sign-ins whose address could not be told share one count: none escapes counting. */
	private static final String UNKNOWN_ADDRESS = "unknown";

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
		String address = address();
		if (username.length() > Account.MAX_USERNAME_LENGTH) {
			// No account has such a name: a wrong password, counted for the address only.
			this.attempts.failed(address);
			count("bad-credentials");
			throw new BadCredentialsException("Bad credentials");
		}
		Duration wait = this.attempts.begin(username, address);
		if (!wait.isZero()) {
			count("locked");
			throw new Locked(wait);
		}
		try {
			Authentication signedIn = this.passwords.authenticate(authentication);
			this.attempts.succeeded(username);
			count("success");
			return signedIn;
		}
		catch (BadCredentialsException ex) {
			this.attempts.failed(address);
			count("bad-credentials");
			throw ex;
		}
	}

	/** The sign-in form's request is this thread's (Spring's request context, bound before Spring Security). */
	private static String address() {
		String address = (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes request)
				? SignInAddress.of(request.getRequest()) : null;
		return (address != null) ? address : UNKNOWN_ADDRESS;
	}

	@Override
	public boolean supports(Class<?> authentication) {
		return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
	}

	private void count(String outcome) {
		this.meters.counter("keel.auth.sign.ins", "outcome", outcome).increment();
	}

	/** Too many failed sign-ins for this username or from this address: none is checked until the wait ends. */
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
