package dev.keel.platform.test;

import java.util.List;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Points every Spring test context at the real things a service needs, through the variables config-repo reads:
 * the shared embedded MariaDB ({@code DB_PORT}) and the {@link TestIssuer} ({@code KEEL_ISSUER},
 * {@code KEEL_JWK_SET_URI}, and for a service's own token {@code KEEL_TOKEN_URI} and {@code KEEL_CLIENT_SECRET}; a
 * test that sets {@code keel.auth.issuer} itself wins). Each starts only when a context
 * actually resolves its variable (a web slice without a DataSource never starts the database).
 */
class TestEnvironmentContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		return new TestEnvironmentContextCustomizer();
	}

	private static final class TestEnvironmentContextCustomizer implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
			context.getEnvironment().getPropertySources().addFirst(new TestEnvironmentVariables());
		}

		@Override
		public boolean equals(Object other) {
			return other != null && other.getClass() == getClass();
		}

		@Override
		public int hashCode() {
			return getClass().hashCode();
		}

	}

	private static final class TestEnvironmentVariables extends PropertySource<Object> {

		TestEnvironmentVariables() {
			super("keelTestEnvironment", new Object());
		}

		@Override
		public Object getProperty(String name) {
			return switch (name) {
				case "DB_PORT" -> SharedEmbeddedMariaDb.get().port();
				case "KEEL_ISSUER" -> TestIssuer.get().uri();
				case "KEEL_JWK_SET_URI" -> TestIssuer.get().jwkSetUri();
				case "KEEL_TOKEN_URI" -> TestIssuer.get().tokenUri();
				case "KEEL_CLIENT_SECRET" -> TestIssuer.CLIENT_SECRET;
				default -> null;
			};
		}

	}

}
