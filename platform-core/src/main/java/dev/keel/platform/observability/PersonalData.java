package dev.keel.platform.observability;

import java.util.regex.Pattern;

/**
 * Personal data as logs may show it: e-mail addresses keep their first character and their domain
 * ({@code ada@example.com} becomes {@code a***@example.com}), enough to tell requests apart, not enough to
 * identify anyone.
 */
public final class PersonalData {

	private static final Pattern EMAIL = Pattern.compile("([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+\\.[A-Za-z0-9.-]+)");

	private PersonalData() {
	}

	public static String mask(String text) {
		if (text == null || text.indexOf('@') < 0) {
			return text;
		}
		return EMAIL.matcher(text).replaceAll("$1***@$2");
	}

}
