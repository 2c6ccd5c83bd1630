package dev.keel.platform.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * HTTP settings every domain service shares.
 *
 * @param maxRequestBody largest request body accepted; larger ones get 413
 */
@ConfigurationProperties("keel.web")
public record WebProperties(@DefaultValue("64KB") DataSize maxRequestBody) {
}
