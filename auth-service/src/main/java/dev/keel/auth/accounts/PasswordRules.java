package dev.keel.auth.accounts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/**
 * What a new password must be, after NIST SP 800-63B: long (12 to 72 characters, any characters, no rules about
 * digits or symbols, which make passwords weaker in practice), and not guessable: not a commonly used password, not
 * the username or containing it, not one or two characters repeated. 72 is bcrypt's limit, in UTF-8 bytes (its
 * encoder refuses longer ones), so a password of characters outside ASCII may have fewer. A failed rule is a
 * validation error on {@code password}, saying which.
 */
final class PasswordRules implements ConstraintValidator<PasswordRules.Acceptable, SignUpRequest> {

	static final int MIN_LENGTH = 12;

	static final int MAX_LENGTH = 72;

	/** At least this many different characters: "aaaaaaaaaaaa" and "abababababab" are refused. */
	private static final int MIN_DISTINCT = 5;

	/**
	 * Commonly used passwords of 12 characters or more, lower case: the first a guesser tries. A deployment that can
	 * reach a breached-password service (Have I Been Pwned's range API) should ask it as well.
	 */
	private static final Set<String> COMMON = load("common-passwords.txt");

	@Override
	public boolean isValid(SignUpRequest request, ConstraintValidatorContext context) {
		String password = request.password();
		if (password == null || password.length() < MIN_LENGTH || password.length() > MAX_LENGTH) {
			return true; // @Size says so
		}
		String refusal = refusal(password, request.username());
		if (refusal == null) {
			return true;
		}
		context.disableDefaultConstraintViolation();
		context.buildConstraintViolationWithTemplate(refusal).addPropertyNode("password").addConstraintViolation();
		return false;
	}

	/** Why the password is refused, or null. */
	static String refusal(String password, String username) {
		if (password.getBytes(StandardCharsets.UTF_8).length > MAX_LENGTH) {
			return "must be at most " + MAX_LENGTH + " bytes in UTF-8";
		}
		String folded = password.toLowerCase(Locale.ROOT);
		if (COMMON.contains(folded)) {
			return "is a commonly used password";
		}
		if (username != null && username.length() >= 3 && folded.contains(username.toLowerCase(Locale.ROOT))) {
			return "must not contain the username";
		}
		if (password.codePoints().distinct().count() < MIN_DISTINCT) {
			return "must have at least " + MIN_DISTINCT + " different characters";
		}
		return null;
	}

	private static Set<String> load(String resource) {
		try (InputStream in = PasswordRules.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalStateException("Missing " + resource);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
				.map(String::strip)
				.filter((line) -> !line.isEmpty() && !line.startsWith("#"))
				.map((line) -> line.toLowerCase(Locale.ROOT))
				.collect(Collectors.toUnmodifiableSet());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Target(ElementType.TYPE)
	@Retention(RetentionPolicy.RUNTIME)
	@Constraint(validatedBy = PasswordRules.class)
	@interface Acceptable {

		String message() default "is not an acceptable password";

		Class<?>[] groups() default {};

		Class<? extends Payload>[] payload() default {};

	}

}
