package dev.keel.gateway;

import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The scope each API needs at the gateway: path pattern to scope, the first pattern a path matches deciding, as each
 * service requires it again itself ({@code keel.security.required-scopes} there). Read when the gateway starts.
 *
 * @param requiredScopes in the order written ({@code keel.gateway.required-scopes})
 */
@ConfigurationProperties("keel.gateway")
record RequiredScopes(Map<String, String> requiredScopes) {

	RequiredScopes {
		requiredScopes = (requiredScopes != null) ? requiredScopes : Map.of();
	}

}
