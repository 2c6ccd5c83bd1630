package dev.keel.auth.tokens;

import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * @param audience the {@code aud} of every access token: the API that the gateway and the services guard, which
 * refuse tokens meant for anything else
 */
@Validated
@ConfigurationProperties("keel.auth.tokens")
public record TokenProperties(@NotBlank String audience) {
}
