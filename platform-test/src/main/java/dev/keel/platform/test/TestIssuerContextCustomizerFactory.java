package dev.keel.platform.test;

import java.util.List;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Points every Spring test context at the {@link TestIssuer} through the variables config-repo reads the issuer
 * from ({@code KEEL_ISSUER}, {@code KEEL_JWK_SET_URI}); a test that sets {@code keel.auth.issuer} itself wins.
 * The issuer starts only when a context resolves one of them.
 */
class TestIssuerContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		return new TestIssuerContextCustomizer();
	}

	private static final class TestIssuerContextCustomizer implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
			context.getEnvironment().getPropertySources().addFirst(new TestIssuerVariables());
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

	private static final class TestIssuerVariables extends PropertySource<Object> {

		TestIssuerVariables() {
			super("testIssuer", new Object());
		}

		@Override
		public Object getProperty(String name) {
			return switch (name) {
				case "KEEL_ISSUER" -> TestIssuer.get().uri();
				case "KEEL_JWK_SET_URI" -> TestIssuer.get().jwkSetUri();
				default -> null;
			};
		}

	}

}
