package dev.keel.platform.discovery;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.ClassUtils;

/**
 * Where the Nacos client writes, decided before it starts. By default it configures logging of its own, into files
 * under the user's home, and keeps its instance cache there too: in a container whose home is not writable it
 * floods stdout with logback errors, and anywhere its lines escape the application's format, levels and log
 * shipping. These system properties are the client's only switches (it reads them, not Spring's environment), and
 * a process that sets them itself (-D) keeps its own.
 */
public class NacosClientDefaults implements EnvironmentPostProcessor {

	static final Map<String, String> DEFAULTS = Map.of(
			// Its lines go through the application's logging (SLF4J), like every other library's.
			"nacos.logging.default.config.enabled", "false",
			// The instance cache (what the client falls back to when Nacos is down) where any process may write.
			"JM.SNAPSHOT.PATH", System.getProperty("java.io.tmpdir"));

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!ClassUtils.isPresent("com.alibaba.nacos.api.naming.NamingService", getClass().getClassLoader())) {
			return;
		}
		DEFAULTS.forEach((name, value) -> {
			if (System.getProperty(name) == null) {
				System.setProperty(name, value);
			}
		});
	}

}
