package dev.keel.platform.security;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long a verifier (the gateway, each service) trusts the issuer's key set ({@code keel.security.jwks}). Signing
 * key rotation waits {@code maxAge} between publishing a key and signing with it (README, "Rotating the signing
 * key").
 *
 * @param maxAge fetched again once older: how long a key the issuer withdrew still verifies, and how long a key it
 * published may stay unknown
 * @param unknownKeyInterval the least time between two fetches for a token that names a key the set lacks
 */
@ConfigurationProperties("keel.security.jwks")
public record KeySetProperties(@DefaultValue("5m") Duration maxAge, @DefaultValue("30s") Duration unknownKeyInterval) {
}
