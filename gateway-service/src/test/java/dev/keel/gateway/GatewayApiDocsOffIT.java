package dev.keel.gateway;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.io.FileSystemResource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The gateway with production's settings (gateway-service-prod.yml on top of the others): no Swagger UI, and the
 * services' descriptions need a token like the APIs they describe.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "MANAGEMENT_PORT=0")
@AutoConfigureWebTestClient
class GatewayApiDocsOffIT {

	@Autowired
	private WebTestClient signedIn;

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void production(DynamicPropertyRegistry registry) {
		YamlPropertiesFactoryBean production = new YamlPropertiesFactoryBean();
		production.setResources(new FileSystemResource("../config-repo/gateway-service-prod.yml"));
		production.getObject().forEach((name, value) -> registry.add((String) name, () -> value));
	}

	@Test
	void noSwaggerUiAndNoDescriptionWithoutAToken() {
		WebTestClient anonymous = WebTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
		anonymous.get().uri("/api/docs/user-service").exchange().expectStatus().isUnauthorized();
		anonymous.get().uri("/api/docs/swagger-ui/index.html").exchange().expectStatus().isUnauthorized();
		this.signedIn.get().uri("/api/docs/swagger-ui/index.html").exchange().expectStatus().isNotFound();
	}

}
