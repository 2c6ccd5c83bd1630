package dev.keel.config;

import java.util.Map;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who may read configuration and who may encrypt and decrypt, from the environment.
 *
 * @param clients an account per application, named after it, with its password
 * ({@code CONFIG_SERVER_PASSWORD_<APPLICATION>}); an application without a password has no account
 * @param adminUsername the account for {@code /encrypt} and {@code /decrypt}
 * @param adminPassword its password ({@code CONFIG_SERVER_ADMIN_PASSWORD}); without one, there is no admin
 */
@Validated
@ConfigurationProperties("keel.config-server")
record ConfigServerAccounts(@DefaultValue Map<String, String> clients, @NotBlank String adminUsername,
		String adminPassword) {

	@AssertTrue(message = "needs at least one application's password (CONFIG_SERVER_PASSWORD_<APPLICATION>): "
			+ "config-server never serves configuration without credentials")
	boolean isAnyClient() {
		return this.clients.values().stream().anyMatch((password) -> password != null && !password.isBlank());
	}

}
