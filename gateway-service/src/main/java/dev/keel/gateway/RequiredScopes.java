package dev.keel.gateway;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import reactor.core.publisher.Mono;

import org.springframework.http.server.PathContainer;
import org.springframework.security.authorization.AuthorityReactiveAuthorizationManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.authorization.ReactiveAuthorizationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.authorization.AuthorizationContext;
import org.springframework.stereotype.Component;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import dev.keel.platform.config.LiveProperties;

/**
 * The scope each API needs at the gateway ({@code keel.gateway.required-scopes}: path pattern to scope), as each
 * service requires it again itself ({@code keel.security.required-scopes} there). Followed on refresh, like the
 * routes: a route and its rule, committed together, arrive together. The most specific pattern that matches a path
 * decides, whichever file it comes from (map entries from several files have no order one can rely on). A path no
 * pattern matches needs a token, and no scope.
 */
@Component
class RequiredScopes implements ReactiveAuthorizationManager<AuthorizationContext> {

	private final Supplier<Settings> settings;

	/** The rules of the settings last seen, parsed once per refresh. */
	private volatile Rules rules;

	RequiredScopes(LiveProperties live) {
		this.settings = live.bind("keel.gateway", Settings.class);
		this.rules = new Rules(this.settings.get());
	}

	/**
	 * @param requiredScopes path pattern ({@code /api/v1/users/**}) to scope ({@code users})
	 */
	record Settings(Map<String, String> requiredScopes) {

		Settings {
			requiredScopes = (requiredScopes != null) ? Map.copyOf(requiredScopes) : Map.of();
			requiredScopes.forEach((path, scope) -> {
				// An unbracketed YAML key loses its slashes and stars, and would match nothing, silently.
				if (!path.startsWith("/") || scope.isBlank()) {
					throw new IllegalArgumentException("keel.gateway.required-scopes: '" + path + "' -> '" + scope
							+ "' is not a path pattern and a scope (write the pattern as \"[/api/v1/x/**]\")");
				}
				// Parsed here, so that a pattern that does not parse is refused when bound (a refresh keeps the
				// rules it had), not at every request.
				PathPatternParser.defaultInstance.parse(path);
			});
		}

	}

	@Override
	public Mono<AuthorizationResult> authorize(Mono<Authentication> authentication, AuthorizationContext context) {
		PathContainer path = context.getExchange().getRequest().getPath().pathWithinApplication();
		for (Rule rule : current().list()) {
			if (rule.pattern().matches(path)) {
				return rule.check().authorize(authentication, context);
			}
		}
		return authentication.<AuthorizationResult>map((caller) -> new AuthorizationDecision(caller.isAuthenticated()))
			.defaultIfEmpty(new AuthorizationDecision(false));
	}

	/**
	 * The API a path is of ({@code users} of {@code /api/v1/users/7}) when a rule names it, or {@code other}: metrics'
	 * api tag, whose values probing cannot add to.
	 */
	String api(String path) {
		String api = api(path.split("/"));
		return (api != null && apis().contains(api)) ? api : "other";
	}

	/** The APIs the rules name ({@code users} of {@code /api/v1/users/**}). */
	Set<String> apis() {
		return current().apis();
	}

	/** The third segment of /api/v1/NAME/..., or null. */
	private static String api(String[] segments) {
		return (segments.length > 3 && segments[1].equals("api") && segments[3].matches("[a-z0-9-]+")) ? segments[3]
				: null;
	}

	private Rules current() {
		Settings now = this.settings.get();
		Rules rules = this.rules;
		if (rules.source() != now) {
			rules = new Rules(now);
			this.rules = rules;
		}
		return rules;
	}

	private record Rule(PathPattern pattern, ReactiveAuthorizationManager<AuthorizationContext> check) {
	}

	private record Rules(Settings source, List<Rule> list, Set<String> apis) {

		Rules(Settings source) {
			this(source, source.requiredScopes()
				.entrySet()
				.stream()
				.map((rule) -> new Rule(PathPatternParser.defaultInstance.parse(rule.getKey()),
						AuthorityReactiveAuthorizationManager.hasAuthority("SCOPE_" + rule.getValue())))
				// Equally specific patterns by their text: the same one decides after every start.
				.sorted(Comparator.comparing(Rule::pattern, PathPattern.SPECIFICITY_COMPARATOR)
					.thenComparing((rule) -> rule.pattern().getPatternString()))
				.toList(),
					source.requiredScopes()
						.keySet()
						.stream()
						.map((path) -> api(path.split("/")))
						.filter(Objects::nonNull)
						.collect(Collectors.toUnmodifiableSet()));
		}

	}

}
