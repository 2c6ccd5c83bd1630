package dev.keel.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * HTTP basic for everything but the probes and metrics: services read configuration with the client account;
 * {@code /encrypt} and {@code /decrypt} need the admin account, so that a service's credentials cannot
 * decrypt other services' secrets.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ConfigServerUsers.class)
class SecurityConfiguration {

	@Bean
	SecurityFilterChain configServerSecurity(HttpSecurity http) throws Exception {
		return http
			.authorizeHttpRequests((requests) -> requests
				.requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info", "/actuator/prometheus")
				.permitAll()
				.requestMatchers("/encrypt/**", "/decrypt/**", "/key/**")
				.hasRole("ADMIN")
				.anyRequest()
				.hasAnyRole("CLIENT", "ADMIN"))
			.httpBasic(Customizer.withDefaults())
			.csrf((csrf) -> csrf.disable())
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.build();
	}

	@Bean
	UserDetailsService users(ConfigServerUsers users, PasswordEncoder encoder) {
		List<UserDetails> accounts = new ArrayList<>();
		accounts.add(User.withUsername(users.clientUsername())
			.password(encoder.encode(users.clientPassword()))
			.roles("CLIENT")
			.build());
		if (users.adminPassword() != null && !users.adminPassword().isBlank()) {
			accounts.add(User.withUsername(users.adminUsername())
				.password(encoder.encode(users.adminPassword()))
				.roles("ADMIN")
				.build());
		}
		return new InMemoryUserDetailsManager(accounts);
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
