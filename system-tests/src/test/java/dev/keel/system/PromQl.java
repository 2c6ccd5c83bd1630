package dev.keel.system;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads: what must exist for a dashboard panel or an alert to mean
 * anything. Enough of PromQL for the expressions keel writes, not a parser.
 */
final class PromQl {

	private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");

	private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");

	private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");

	private static final Pattern GROUPING = Pattern
		.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");

	private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

	private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
			"group_left", "group_right", "bool", "offset", "inf", "nan");

	private PromQl() {
	}

	static Set<String> metricNames(String expression) {
		String stripped = STRING.matcher(expression).replaceAll(" ");
		stripped = MATCHERS.matcher(stripped).replaceAll(" ");
		stripped = RANGE.matcher(stripped).replaceAll(" ");
		stripped = GROUPING.matcher(stripped).replaceAll(" ");
		Set<String> names = new TreeSet<>();
		Matcher identifier = IDENTIFIER.matcher(stripped);
		while (identifier.find()) {
			String name = identifier.group();
			boolean function = stripped.substring(identifier.end()).stripLeading().startsWith("(");
			boolean number = identifier.start() > 0 && Character.isDigit(stripped.charAt(identifier.start() - 1));
			if (!function && !number && !KEYWORDS.contains(name.toLowerCase())) {
				names.add(name);
			}
		}
		return names;
	}

}
