package dev.keel.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

import jakarta.servlet.DispatcherType;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;

/**
 * HTTP basic for everything but the probes and metrics. Each application reads its own configuration with its own
 * account, named after it: {@code GET /<application>/<profiles>[/<label>]} for its name and the shared
 * {@code application}, nothing else, so that one service's credentials never reveal another's decrypted
 * secrets. {@code /encrypt}, {@code /decrypt} and every other endpoint need the admin account.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ConfigServerAccounts.class)
class SecurityConfiguration {

	/** What every application shares: {@code application.yml} and its profiles. */
	static final String SHARED = "application";

	@Bean
	SecurityFilterChain configServerSecurity(HttpSecurity http) throws Exception {
		return http
			.authorizeHttpRequests((requests) -> requests
				// The error page of a request that was authorized already (an unknown label is a 404).
				.dispatcherTypeMatchers(DispatcherType.ERROR)
				.permitAll()
				.requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info", "/actuator/prometheus")
				.permitAll()
				.requestMatchers(HttpMethod.GET, "/{application}/{profiles}", "/{application}/{profiles}/{label}")
				.access(ownConfiguration())
				.anyRequest()
				.hasRole("ADMIN"))
			.httpBasic(Customizer.withDefaults())
			.csrf((csrf) -> csrf.disable())
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.build();
	}

	/** An application's own configuration (several may be asked at once: {@code a,b}), or anything to the admin. */
	static AuthorizationManager<RequestAuthorizationContext> ownConfiguration() {
		return new AuthorizationManager<>() {

			@Override
			public AuthorizationResult authorize(Supplier<? extends Authentication> authentication,
					RequestAuthorizationContext context) {
				Authentication caller = authentication.get();
				if (caller == null || !caller.isAuthenticated() || !hasRole(caller, "CLIENT", "ADMIN")) {
					return new AuthorizationDecision(false);
				}
				if (hasRole(caller, "ADMIN")) {
					return new AuthorizationDecision(true);
				}
				// The same paths name other things to Config Server: /{label}/{name}-{profiles}.yml puts another
				// application's name in what looks like a profile, and ?useDefaultLabel (or useDefaultLabel.x, which
				// Spring MVC's parameter conditions accept too) turns the third segment into a file of the
				// repository. Clients read their configuration with no query string and no dot in the profiles.
				String profiles = context.getVariables().getOrDefault("profiles", "");
				if (profiles.contains(".") || context.getRequest().getQueryString() != null) {
					return new AuthorizationDecision(false);
				}
				String requested = context.getVariables().getOrDefault("application", "");
				return new AuthorizationDecision(Arrays.stream(requested.split(","))
					.allMatch((name) -> name.equals(caller.getName()) || name.equals(SHARED)));
			}

		};
	}

	private static boolean hasRole(Authentication caller, String... roles) {
		return caller.getAuthorities()
			.stream()
			.anyMatch((granted) -> Arrays.stream(roles).anyMatch((role) -> ("ROLE_" + role).equals(granted.getAuthority())));
	}

	@Bean
	UserDetailsService accounts(ConfigServerAccounts accounts, PasswordEncoder encoder) {
		List<UserDetails> users = new ArrayList<>();
		accounts.clients().forEach((application, password) -> {
			if (password != null && !password.isBlank()) {
				users.add(User.withUsername(application).password(encoder.encode(password)).roles("CLIENT").build());
			}
		});
		if (accounts.adminPassword() != null && !accounts.adminPassword().isBlank()) {
			users.add(User.withUsername(accounts.adminUsername())
				.password(encoder.encode(accounts.adminPassword()))
				.roles("ADMIN")
				.build());
		}
		return new InMemoryUserDetailsManager(users);
	}

	/**
	 * SHA-256, compared in constant time. These are machine secrets from the environment, not user
	 * passwords: a deliberately slow hash (bcrypt) would cost its full price on every configuration poll of
	 * every instance, and buys nothing against a high-entropy secret.
	 */
	@Bean
	PasswordEncoder machineSecretEncoder() {
		return new PasswordEncoder() {

			@Override
			public String encode(CharSequence raw) {
				return sha256(raw);
			}

			@Override
			public boolean matches(CharSequence raw, String encoded) {
				return encoded != null && MessageDigest.isEqual(sha256(raw).getBytes(StandardCharsets.US_ASCII),
						encoded.getBytes(StandardCharsets.US_ASCII));
			}

		};
	}

	private static String sha256(CharSequence raw) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(raw.toString().getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
