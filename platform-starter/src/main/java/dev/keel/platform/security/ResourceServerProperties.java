package dev.keel.platform.security;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What a service serves without an access token ({@code keel.security}).
 *
 * @param publicReads path patterns that anyone may read (GET and HEAD) without a token, such as a catalogue
 */
@ConfigurationProperties("keel.security")
public record ResourceServerProperties(@DefaultValue List<String> publicReads) {
}
