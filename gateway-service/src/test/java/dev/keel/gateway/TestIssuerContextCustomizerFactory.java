package dev.keel.gateway;

import java.util.List;
import java.util.Map;

import org.springframework.boot.webtestclient.autoconfigure.WebTestClientBuilderCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Points every gateway test context at {@link TestIssuer}, and gives their {@code WebTestClient} a valid token with
 * every scope: tests of routing, balancing and resilience are about what follows authentication.
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
			TestIssuer issuer = TestIssuer.get();
			context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("testIssuer",
						Map.of("keel.auth.issuer", TestIssuer.ISSUER, "keel.auth.jwk-set-uri", issuer.jwkSetUri())));
			String token = issuer.token("test-user", "users", "orders");
			context.getBeanFactory()
				.registerSingleton("testIssuerToken", (WebTestClientBuilderCustomizer) (builder) -> builder
					.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token));
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

}
