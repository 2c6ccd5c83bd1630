package dev.keel.platform.test;

import java.util.List;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Points every Spring test context at the shared embedded MariaDB by providing {@code DB_PORT}, the
 * variable config-repo's datasource URLs are built from. The server starts only when a context actually
 * resolves the port (a web slice without a DataSource never starts it).
 */
class EmbeddedMariaDbContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		return new EmbeddedMariaDbContextCustomizer();
	}

	private static final class EmbeddedMariaDbContextCustomizer implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
			context.getEnvironment().getPropertySources().addFirst(new SharedDatabasePort());
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

	private static final class SharedDatabasePort extends PropertySource<Object> {

		SharedDatabasePort() {
			super("sharedEmbeddedMariaDb", new Object());
		}

		@Override
		public Object getProperty(String name) {
			return "DB_PORT".equals(name) ? SharedEmbeddedMariaDb.get().port() : null;
		}

	}

}
