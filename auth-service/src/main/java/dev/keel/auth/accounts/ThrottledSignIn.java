package dev.keel.auth.accounts;

import java.time.Duration;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.DisabledException;
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

	private static final Logger log = LoggerFactory.getLogger(ThrottledSignIn.class);

	private final SignInAttempts attempts;

	private final DaoAuthenticationProvider passwords;

	private final MeterRegistry meters;

	ThrottledSignIn(SignInAttempts attempts, AccountDetails accounts, PasswordEncoder encoder, MeterRegistry meters) {
		this.attempts = attempts;
		this.passwords = new DaoAuthenticationProvider(accounts);
		this.passwords.setPasswordEncoder(encoder);
		// A pending account (signed up, its profile not made yet) is told so only after its password is checked:
		// Spring checks before, which would tell anyone that the username has a pending account.
		this.passwords.setPreAuthenticationChecks((account) -> {
		});
		this.passwords.setPostAuthenticationChecks((account) -> {
			if (!account.isEnabled()) {
				throw new Pending();
			}
		});
		this.meters = meters;
		// Registered now, so that the failure-spike alert compares zeros rather than missing series.
		for (String outcome : new String[] { "success", "bad-credentials", "locked", "pending" }) {
			meters.counter("keel.auth.sign.ins", "outcome", outcome);
		}
	}

	@Override
	public Authentication authenticate(Authentication authentication) {
		String username = authentication.getName();
		String address = address();
		// No account has a longer name: a wrong password, counted for the address only.
		boolean possible = username.length() <= Account.MAX_USERNAME_LENGTH;
		Duration wait = counted(() -> this.attempts.begin(possible ? username : null, address));
		if (!wait.isZero()) {
			count("locked");
			throw new Locked(wait);
		}
		try {
			if (!possible) {
				throw new BadCredentialsException("Bad credentials");
			}
			Authentication signedIn;
			try {
				signedIn = this.passwords.authenticate(authentication);
			}
			catch (Pending ex) {
				succeeded(username);
				count("pending");
				throw ex;
			}
			succeeded(username);
			count("success");
			return signedIn;
		}
		catch (BadCredentialsException ex) {
			if (address != null) {
				counted(() -> {
					this.attempts.failed(address);
					return null;
				});
			}
			count("bad-credentials");
			throw ex;
		}
	}

	/** The password was right: a count left behind only slows this username's next mistakes down. */
	private void succeeded(String username) {
		try {
			this.attempts.succeeded(username);
		}
		catch (RuntimeException ex) {
			log.warn("Sign-in succeeded, but its username's failed attempts could not be cleared: {}", ex.toString());
		}
	}

	/**
	 * The counts are the database's: when it cannot answer, the sign-in cannot be decided, which
	 * {@link SignInFailures} answers as the cause says (503 for contention or an outage), never as a wrong password.
	 */
	private static <T> T counted(Supplier<T> counting) {
		try {
			return counting.get();
		}
		catch (RuntimeException ex) {
			throw new AuthenticationServiceException("Sign-in attempts could not be counted", ex);
		}
	}

	/**
	 * Where the sign-in form was sent from: its request is this thread's (Spring's request context, bound before
	 * Spring Security). None when it cannot be told: those are not counted per address, rather than all in one
	 * count that anyone could lock for everyone.
	 */
	private static String address() {
		return (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes request)
				? SignInAddress.of(request.getRequest()) : null;
	}

	@Override
	public boolean supports(Class<?> authentication) {
		return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
	}

	private void count(String outcome) {
		this.meters.counter("keel.auth.sign.ins", "outcome", outcome).increment();
	}

	/** The right password for an account whose profile is not made yet. */
	static final class Pending extends DisabledException {

		Pending() {
			super("Account not ready yet");
		}

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
