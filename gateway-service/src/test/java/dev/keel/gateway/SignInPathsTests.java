package dev.keel.gateway;

import java.util.Properties;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.FileSystemResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The paths Spring Security lets through without a token are exactly those the {@code auth} route sends to
 * auth-service: one more there would open a path, one fewer would lock people out of signing in.
 */
class SignInPathsTests {

	@Test
	void thePublicSignInPathsAreTheAuthRoutes() {
		YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
		yaml.setResources(new FileSystemResource("../config-repo/gateway-service.yml"));
		Properties gateway = yaml.getObject();
		String route = null;
		for (int i = 0; gateway.containsKey("spring.cloud.gateway.server.webflux.routes[" + i + "].id"); i++) {
			if (gateway.getProperty("spring.cloud.gateway.server.webflux.routes[" + i + "].id").equals("auth")) {
				route = "spring.cloud.gateway.server.webflux.routes[" + i + "]";
			}
		}

		assertThat(route).as("the auth route").isNotNull();
		assertThat(gateway.getProperty(route + ".predicates[0]"))
			.isEqualTo("Path=" + String.join(",", SecurityConfiguration.SIGN_IN_PATHS));
	}

}
