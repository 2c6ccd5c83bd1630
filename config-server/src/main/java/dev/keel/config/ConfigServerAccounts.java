package dev.keel.config;

import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Who may read configuration and who may encrypt and decrypt, from the environment.
 *
 * @param clientUsername the account services use
 * @param clientPassword its password ({@code CONFIG_SERVER_PASSWORD}); required
 * @param adminUsername the account for {@code /encrypt} and {@code /decrypt}
 * @param adminPassword its password ({@code CONFIG_SERVER_ADMIN_PASSWORD}); without one, there is no admin
 */
@Validated
@ConfigurationProperties("keel.config-server")
record ConfigServerUsers(@NotBlank String clientUsername,
		@NotBlank(message = "must be set (CONFIG_SERVER_PASSWORD): config-server never serves configuration without credentials") String clientPassword,
		@NotBlank String adminUsername, String adminPassword) {
}
