package dev.keel.platform.security;

import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What a service serves without an access token, and which scope a token needs for the rest ({@code keel.security}).
 *
 * @param publicReads path patterns that anyone may read (GET and HEAD) without a token, such as a catalogue
 * @param requiredScopes per path pattern, the scope a token must carry (the gateway's rules, again)
 * @param readScopes per path pattern of {@code requiredScopes}, a scope that admits GET and HEAD there too: what
 * another service's own token carries to read what it needs (the service decides what such a caller sees)
 */
@ConfigurationProperties("keel.security")
public record ResourceServerProperties(@DefaultValue List<String> publicReads,
		@DefaultValue Map<String, String> requiredScopes, @DefaultValue Map<String, String> readScopes) {
}
