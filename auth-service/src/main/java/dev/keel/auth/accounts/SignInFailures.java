package dev.keel.auth.accounts;

import java.io.IOException;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * A locked username or address gets a problem (429, with the time the wait has left as {@code Retry-After}),
 * rendered like every other, and so does the right password of an account whose sign-up is not finished (409, with
 * when to try again), and a sign-in the database could not decide (its cause's problem); a wrong
 * password the sign-in form again, with an error.
 */
@Component
class SignInFailures implements AuthenticationFailureHandler {

	private final HandlerExceptionResolver problems;

	private final SimpleUrlAuthenticationFailureHandler form = new SimpleUrlAuthenticationFailureHandler("/login?error");

	SignInFailures(@Qualifier("handlerExceptionResolver") HandlerExceptionResolver problems) {
		this.problems = problems;
	}

	@Override
	public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response,
			AuthenticationException exception) throws IOException, ServletException {
		if (exception instanceof ThrottledSignIn.Locked locked) {
			this.problems.resolveException(request, response, null, new SignInLocked(locked.retryAfterSeconds()));
		}
		else if (exception instanceof ThrottledSignIn.Pending) {
			this.problems.resolveException(request, response, null, new AccountPending());
		}
		else if (exception instanceof AuthenticationServiceException && exception.getCause() instanceof Exception cause) {
			// The database could not tell (the counts, the account): its problem (503 for an outage), not a form error.
			this.problems.resolveException(request, response, null, cause);
		}
		else {
			this.form.onAuthenticationFailure(request, response, exception);
		}
	}

}
