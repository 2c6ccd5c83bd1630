package dev.keel.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.context.encrypt.EncryptorFactory;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.security.crypto.encrypt.TextEncryptor;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Git backend over a real repository that the test creates and commits to.
 */
// The key as an inlined property: Spring Cloud creates the encryptor while the environment is prepared, before
// dynamic properties exist (in a deployment it is an environment variable, there from the start).
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "ENCRYPT_KEY=" + ConfigServerGitIT.KEY,
				"keel.config-server.clients.demo-service=" + ConfigServerGitIT.DEMO_PASSWORD,
				"keel.config-server.clients.vault-service=" + ConfigServerGitIT.VAULT_PASSWORD,
				"CONFIG_SERVER_ADMIN_PASSWORD=" + ConfigServerGitIT.ADMIN_PASSWORD })
@AutoConfigureRestTestClient
class ConfigServerGitIT {

	static final String KEY = "test-encrypt-key-0123456789";

	static final String DEMO_PASSWORD = "demo-secret";

	static final String VAULT_PASSWORD = "vault-secret";

	static final String ADMIN_PASSWORD = "admin-secret";

	private static Path workingCopy;

	private static Path clone;

	private static Git git;

	@Autowired
	private RestTestClient http;

	@DynamicPropertySource
	static void gitRepository(DynamicPropertyRegistry registry) throws Exception {
		workingCopy = Files.createTempDirectory("config-source-");
		clone = Files.createTempDirectory("config-clone-");
		git = Git.init().setDirectory(workingCopy.toFile()).setInitialBranch("main").call();
		write("config-repo/application.yml", "greeting: shared\nshared.only: yes\n");
		write("config-repo/demo-service.yml", "greeting: service\n");
		write("config-repo/demo-service-dev.yml", "greeting: service-dev\n");
		write("config-repo/application-dev.yml", "greeting: shared-dev\n");
		TextEncryptor right = new EncryptorFactory().create(KEY);
		TextEncryptor wrong = new EncryptorFactory().create("some-other-key");
		write("config-repo/vault-service.yml", "db.password: '{cipher}%s'\ndb.other: '{cipher}%s'\n"
			.formatted(right.encrypt("s3cr3t"), wrong.encrypt("s3cr3t")));
		commit("Initial configuration");
		// A label named like a client: /demo-service/vault-service-default.yml is then a real read of another's file.
		git.branchCreate().setName("demo-service").call();
		registry.add("CONFIG_REPO_URI", workingCopy::toString);
		registry.add("CONFIG_REPO_CLONE_DIR", clone::toString);
		registry.add("spring.cloud.config.server.git.refresh-rate", () -> "0");

	}

	@AfterAll
	static void deleteRepositories() throws IOException {
		git.close();
		FileSystemUtils.deleteRecursively(workingCopy);
		FileSystemUtils.deleteRecursively(clone);
	}

	@Test
	void servesProfileFilesBeforeServiceFilesMostSpecificFirst() {
		List<Map<String, Object>> sources = propertySources("demo-service", "dev");

		// The precedence the README documents: a profile file, even application-<profile>.yml, beats
		// <service>.yml.
		assertThat(sources).extracting((source) -> String.valueOf(source.get("name")))
			.satisfiesExactly((name) -> assertThat(name).endsWith("config-repo/demo-service-dev.yml"),
					(name) -> assertThat(name).endsWith("config-repo/application-dev.yml"),
					(name) -> assertThat(name).endsWith("config-repo/demo-service.yml"),
					(name) -> assertThat(name).endsWith("config-repo/application.yml"));
		assertThat(value(sources, "greeting")).isEqualTo("service-dev");
	}

	@Test
	void decryptsCipherValuesAndMarksTheOnesItCannotDecrypt() {
		List<Map<String, Object>> sources = propertySources("vault-service", "default");

		assertThat(value(sources, "db.password")).isEqualTo("s3cr3t");
		assertThat(value(sources, "db.other")).as("not served as ciphertext").isNull();
		assertThat(value(sources, "invalid.db.other")).isEqualTo("<n/a>");
	}

	@Test
	void configurationNeedsTheClientCredentials() {
		this.http.get().uri("/demo-service/default").exchange().expectStatus().isUnauthorized();
		this.http.get()
			.uri("/demo-service/default")
			.headers((headers) -> headers.setBasicAuth("demo-service", "wrong"))
			.exchange()
			.expectStatus()
			.isUnauthorized();
		this.http.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
	}

	@Test
	void eachApplicationReadsItsOwnConfigurationAndTheSharedOneNothingElse() {
		for (String path : new String[] { "/demo-service/default", "/application/default", "/demo-service/default/main",
				"/demo-service,application/default" }) {
			read("demo-service", DEMO_PASSWORD, path).expectStatus().isOk();
		}
		for (String path : new String[] { "/vault-service/default", "/demo-service,vault-service/default",
				"/vault-service/prod/main", "/vault-service-default.yml", "/main/vault-service-default.properties",
				"/demo-service-default.yml", "/vault-service/default/main/config-repo/vault-service.yml",
				"/demo-service/vault-service-default.yml", "/application/vault-service-default.properties",
				"/demo-service/vault-service-default.json", "/demo-service/default/vault-service.yml?useDefaultLabel",
				"/demo-service/default/vault-service.yml?useDefaultLabel=true",
				"/demo-service/default/vault-service.yml?useDefaultLabel.x",
				"/demo-service/default/vault-service.yml?useDefaultLabel.y=1", "/demo-service/default?anything" }) {
			read("demo-service", DEMO_PASSWORD, path).expectStatus().isForbidden();
		}
		// What those paths are: real reads of vault-service's configuration, for an account allowed to make them.
		for (String path : new String[] { "/vault-service/default", "/demo-service/vault-service-default.yml",
				"/demo-service/default/vault-service.yml?useDefaultLabel",
				"/demo-service/default/vault-service.yml?useDefaultLabel.x" }) {
			read("config-admin", ADMIN_PASSWORD, path).expectStatus().isOk();
		}
	}

	private RestTestClient.ResponseSpec read(String user, String password, String path) {
		return this.http.get().uri(path).headers((headers) -> headers.setBasicAuth(user, password)).exchange();
	}

	@Test
	void onlyTheAdminMayEncryptOrDecrypt() {
		this.http.post()
			.uri("/encrypt")
			.headers((headers) -> headers.setBasicAuth("demo-service", DEMO_PASSWORD))
			.body("x")
			.exchange()
			.expectStatus()
			.isForbidden();
		this.http.post().uri("/decrypt").body("x").exchange().expectStatus().isUnauthorized();
		String cipher = this.http.post()
			.uri("/encrypt")
			.headers((headers) -> headers.setBasicAuth("config-admin", ADMIN_PASSWORD))
			.body("hello")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(new EncryptorFactory().create(KEY).decrypt(cipher)).isEqualTo("hello");
	}

	@Test
	void servesCommitsNotTheWorkingCopyAndNeverTouchesIt() throws Exception {
		write("config-repo/demo-service.yml", "greeting: uncommitted\n");

		assertThat(value(propertySources("demo-service", "default"), "greeting")).isEqualTo("service");
		assertThat(Files.readString(workingCopy.resolve("config-repo/demo-service.yml")))
			.isEqualTo("greeting: uncommitted\n");
		assertThat(git.status().call().getModified()).containsExactly("config-repo/demo-service.yml");

		git.checkout().addPath("config-repo/demo-service.yml").call();
	}

	@Test
	void aNewCommitIsServedWithoutRestart() throws Exception {
		write("config-repo/demo-service.yml", "greeting: service\nlimit: 7\n");
		commit("Add a limit");

		Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
		Object limit = null;
		while (limit == null && Instant.now().isBefore(deadline)) {
			limit = value(propertySources("demo-service", "default"), "limit");
		}
		assertThat(limit).isEqualTo(7);
	}

	@Test
	void unknownLabelIsNotFound() {
		this.http.get()
			.uri("/demo-service/default/no-such-branch")
			.headers((headers) -> headers.setBasicAuth("demo-service", DEMO_PASSWORD))
			.exchange()
			.expectStatus()
			.isNotFound();
	}

	@SuppressWarnings("unchecked")
	private List<Map<String, Object>> propertySources(String application, String profile) {
		Map<String, Object> environment = this.http.get()
			.uri("/{application}/{profile}", application, profile)
			.headers((headers) -> headers.setBasicAuth(application,
					application.equals("vault-service") ? VAULT_PASSWORD : DEMO_PASSWORD))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
		return (List<Map<String, Object>>) environment.get("propertySources");
	}

	@SuppressWarnings("unchecked")
	private static Object value(List<Map<String, Object>> sources, String key) {
		return sources.stream()
			.map((source) -> (Map<String, Object>) source.get("source"))
			.filter((source) -> source.containsKey(key))
			.map((source) -> source.get(key))
			.findFirst()
			.orElse(null);
	}

	private static void write(String path, String content) throws IOException {
		Path file = workingCopy.resolve(path);
		Files.createDirectories(file.getParent());
		Files.writeString(file, content);
	}

	private static void commit(String message) throws GitAPIException {
		git.add().addFilepattern(".").call();
		git.commit().setMessage(message).setAuthor("test", "test@example.com").setSign(false).call();
	}

}
