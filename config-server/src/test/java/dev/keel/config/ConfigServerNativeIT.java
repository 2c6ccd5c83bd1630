package dev.keel.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local run's backend: the config-repo folder as it is on disk.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
@ActiveProfiles("local")
class ConfigServerNativeIT {

	private static Path folder;

	@Autowired
	private RestTestClient http;

	@DynamicPropertySource
	static void folder(DynamicPropertyRegistry registry) throws IOException {
		folder = Files.createTempDirectory("config-repo-");
		Files.writeString(folder.resolve("demo-service.yml"), "greeting: saved\n");
		registry.add("KEEL_CONFIG_REPO_DIR", folder::toString);
		registry.add("keel.config-server.clients.demo-service", () -> "client-secret");
	}

	@AfterAll
	static void deleteFolder() throws IOException {
		FileSystemUtils.deleteRecursively(folder);
	}

	@Test
	void aSavedEditIsServedAtOnceWithoutACommit() throws IOException {
		assertThat(greeting()).isEqualTo("saved");

		Files.writeString(folder.resolve("demo-service.yml"), "greeting: edited\n");

		assertThat(greeting()).isEqualTo("edited");
	}

	@SuppressWarnings("unchecked")
	private Object greeting() {
		Map<String, Object> environment = this.http.get()
			.uri("/demo-service/default")
			.headers((headers) -> headers.setBasicAuth("demo-service", "client-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
		return ((List<Map<String, Map<String, Object>>>) environment.get("propertySources")).get(0)
			.get("source")
			.get("greeting");
	}

}
