package dev.keel.gateway.tokens;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long the gateway trusts the issuer's key set ({@link IssuerKeys}).
 *
 * @param maxAge fetched again once older: how long a key the issuer withdrew still verifies
 * @param unknownKeyInterval the least time between two fetches for a token that names a key the set lacks
 */
@ConfigurationProperties("keel.gateway.jwks")
record KeySetProperties(@DefaultValue("5m") Duration maxAge, @DefaultValue("30s") Duration unknownKeyInterval) {
}
