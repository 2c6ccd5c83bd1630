package dev.keel.platform.config;

import java.util.Set;
import java.util.TreeSet;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

/**
 * Refuses to start (or to take a refresh) when a {@code {cipher}} value from config-server was not
 * decrypted: config-server marks values it cannot decrypt as {@code invalid.<property>}, and serves them
 * as they are when it has no key at all. Without this check the property would silently fall back to a
 * default, and the service would run against the database with a wrong password, or worse, a right one
 * meant for another environment.
 */
public class UndecryptedSecretsCheck implements EnvironmentPostProcessor, Ordered {

	private static final String INVALID_PREFIX = "invalid.";

	private static final String CIPHER_PREFIX = "{cipher}";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		Set<String> undecrypted = new TreeSet<>();
		for (PropertySource<?> source : environment.getPropertySources()) {
			if (source instanceof EnumerablePropertySource<?> enumerable) {
				for (String name : enumerable.getPropertyNames()) {
					Object value = enumerable.getProperty(name);
					if (name.startsWith(INVALID_PREFIX)) {
						undecrypted.add(name.substring(INVALID_PREFIX.length()));
					}
					else if (value instanceof String text && text.startsWith(CIPHER_PREFIX)) {
						undecrypted.add(name);
					}
				}
			}
		}
		if (!undecrypted.isEmpty()) {
			throw new IllegalStateException("Encrypted configuration could not be decrypted: " + undecrypted
					+ ". config-server needs ENCRYPT_KEY set to the key these {cipher} values were encrypted with "
					+ "(./platform encrypt makes new ones). Refusing to run on a missing or wrong secret.");
		}
	}

	/** After config data, config-server's included, is loaded. */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
