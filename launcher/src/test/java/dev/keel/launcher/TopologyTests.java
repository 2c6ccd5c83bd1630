package dev.keel.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Which processes run where, with what, as the launcher plans them.
 */
class TopologyTests {

	@TempDir
	Path root;

	@Test
	void replicasTakeTheirServicesBasePortsPlusAHundredEach() {
		Topology topology = topology(3, Map.of());

		assertThat(topology.instances()).extracting(Instance::name)
			.containsExactly("db", "config-server", "auth-service#1", "user-service#1", "user-service#2", "user-service#3",
					"order-service#1", "order-service#2", "order-service#3", "gateway-service");
		assertThat(topology.port(new Instance("user-service", 3))).isEqualTo(8281);
		assertThat(topology.managementPort(new Instance("user-service", 3))).isEqualTo(9281);
		assertThat(topology.port(new Instance("order-service", 2))).isEqualTo(8182);
		assertThat(topology.managementPort(new Instance("order-service", 2))).isEqualTo(9182);
		assertThat(topology.instancesOf("auth-service")).as("auth-service runs once locally").hasSize(1);
		assertThat(topology.port(Instance.GATEWAY)).isEqualTo(8080);
		assertThat(topology.managementPort(Instance.GATEWAY)).isEqualTo(9080);
		assertThat(topology.managementPort(Instance.CONFIG_SERVER)).as("one port: config and probes").isEqualTo(8888);
	}

	@Test
	void portsMoveWithTheirSettingsAndAServicesManagementPortFollowsItsApiPort() {
		Topology topology = topology(2, Map.of("KEEL_USER_PORT", "18081", "KEEL_ORDER_MANAGEMENT_PORT", "29082",
				"KEEL_GATEWAY_PORT", "18080", "KEEL_DB_PORT", "13307"));

		assertThat(topology.port(new Instance("user-service", 2))).isEqualTo(18181);
		assertThat(topology.managementPort(new Instance("user-service", 2))).isEqualTo(19181);
		assertThat(topology.managementPort(new Instance("order-service", 1))).isEqualTo(29082);
		assertThat(topology.port(Instance.GATEWAY)).isEqualTo(18080);
		assertThat(topology.port(Instance.DB)).isEqualTo(13307);
		assertThat(topology.readiness(new Instance("user-service", 2))).hasToString("http://127.0.0.1:18181/readyz");
		assertThat(topology.readiness(Instance.CONFIG_SERVER)).hasToString("http://127.0.0.1:8888/actuator/health/readiness");
	}

	@Test
	void anOffsetMovesEveryDefaultPortAndLeavesThePortsSetOneByOne() {
		Topology topology = topology(2, Map.of("KEEL_PORT_OFFSET", "20000", "KEEL_ORDER_PORT", "18082"));

		assertThat(topology.port(new Instance("user-service", 2))).isEqualTo(28181);
		assertThat(topology.managementPort(new Instance("user-service", 1))).isEqualTo(29081);
		assertThat(topology.port(new Instance("order-service", 1))).isEqualTo(18082);
		assertThat(topology.managementPort(new Instance("order-service", 1))).isEqualTo(19082);
		assertThat(topology.port(Instance.GATEWAY)).isEqualTo(28080);
		assertThat(topology.managementPort(Instance.GATEWAY)).isEqualTo(29080);
		assertThat(topology.port(Instance.CONFIG_SERVER)).isEqualTo(28888);
		assertThat(topology.port(Instance.DB)).isEqualTo(23307);
		assertThat(Settings.from(this.root, Map.of("KEEL_PORT_OFFSET", "20000")).ports().https()).isEqualTo(28443);

		assertRefused("KEEL_PORT_OFFSET", "22001", "KEEL_PORT_OFFSET must be between 0 and 22000, not 22001");
		assertRefused("KEEL_PORT_OFFSET", "-1", "KEEL_PORT_OFFSET must be between 0 and 22000, not -1");
	}

	@Test
	void classArchivesAreOnUnlessTurnedOff() {
		assertThat(Settings.from(this.root, Map.of()).classArchives()).isTrue();
		assertThat(Settings.from(this.root, Map.of("KEEL_CLASS_ARCHIVES", "")).classArchives()).isTrue();
		assertThat(Settings.from(this.root, Map.of("KEEL_CLASS_ARCHIVES", "on")).classArchives()).isTrue();
		assertThat(Settings.from(this.root, Map.of("KEEL_CLASS_ARCHIVES", " off")).classArchives()).isFalse();
		assertRefused("KEEL_CLASS_ARCHIVES", "no", "KEEL_CLASS_ARCHIVES must be on or off, not 'no'");
	}

	@Test
	void aPortSettingThatIsNoPortOrPutsAnInstanceBeyond65535IsRefusedInOneLine() {
		assertRefused("KEEL_USER_PORT", "http", "KEEL_USER_PORT must be a number, not 'http'");
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> topology(1, Map.of("KEEL_DB_PORT", "70000")))
			.withMessageContaining("must be a port number");
		assertRefused("KEEL_USER_PORT", "64000",
				"user-service's ports, with its management port and 9 replicas, would reach 65800, beyond 65535");
		assertRefused("KEEL_GATEWAY_MANAGEMENT_PORT", "65000",
				"the gateways' ports, with 9 behind the edge, would reach 65900, beyond 65535");
	}

	@Test
	void everyProcessKnowsEveryReplicaThroughTheDiscoveryList() {
		String json = topology(2, Map.of()).discoveryJson();

		assertThat(json).startsWith("{\"spring\":{\"cloud\":{\"discovery\":{\"client\":{\"simple\":{\"instances\":{")
			.contains("\"user-service\":[{\"uri\":\"http://localhost:8081\",\"instanceId\":\"user-service-1\"},"
					+ "{\"uri\":\"http://localhost:8181\",\"instanceId\":\"user-service-2\"}]")
			.contains("\"order-service\":[{\"uri\":\"http://localhost:8082\",\"instanceId\":\"order-service-1\"},"
					+ "{\"uri\":\"http://localhost:8182\",\"instanceId\":\"order-service-2\"}]")
			.endsWith("}}}}}}}");
	}

	@Test
	void eachApplicationReadsConfigurationWithItsOwnAccountAndConfigServerKnowsThemAll() {
		Topology topology = topology(1, Map.of());
		Passwords passwords = new Passwords(this.root.resolve("run"));

		Map<String, String> user = topology.environment(new Instance("user-service", 1), passwords);
		Map<String, String> configServer = topology.environment(Instance.CONFIG_SERVER, passwords);

		assertThat(user).containsEntry("CONFIG_SERVER_USERNAME", "user-service")
			.containsEntry("CONFIG_SERVER_PASSWORD", passwords.of("user-service"))
			.containsEntry("PORT", "8081")
			.containsEntry("MANAGEMENT_PORT", "9081")
			.containsEntry("KEEL_INSTANCE", "user-service#1")
			.containsEntry("SPRING_PROFILES_ACTIVE", "local,dev");
		assertThat(configServer).containsEntry("CONFIG_SERVER_PASSWORD_USER_SERVICE", passwords.of("user-service"))
			.containsEntry("CONFIG_SERVER_PASSWORD_ORDER_SERVICE", passwords.of("order-service"))
			.containsEntry("CONFIG_SERVER_PASSWORD_GATEWAY_SERVICE", passwords.of("gateway-service"))
			.containsEntry("SERVER_ADDRESS", "127.0.0.1")
			.containsEntry("KEEL_ENVIRONMENT", "dev");
		assertThat(passwords.of("user-service")).hasSize(48).isNotEqualTo(passwords.of("order-service"))
			.as("made once").isEqualTo(passwords.of("user-service"));
	}

	@Test
	void onlyAuthServiceGetsTheSigningKeyAndTheAccountsPasswordsAndEveryoneTheIssuer() throws IOException {
		Topology topology = topology(1, Map.of("KEEL_GATEWAY_PORT", "18080"));
		Passwords passwords = new Passwords(this.root.resolve("run"));

		Map<String, String> auth = topology.environment(new Instance("auth-service", 1), passwords);
		Map<String, String> user = topology.environment(new Instance("user-service", 1), passwords);

		assertThat(auth).containsEntry("KEEL_ISSUER", "http://localhost:18080")
			.containsEntry("KEEL_ACCOUNT_PASSWORD_ALICE", passwords.account("alice"))
			.containsEntry("KEEL_ACCOUNT_PASSWORD_ADMIN", passwords.account("admin"))
			.containsEntry("PORT", "8083");
		assertThat(auth.get("KEEL_AUTH_SIGNING_KEY")).startsWith("-----BEGIN PRIVATE KEY-----")
			.as("made once").isEqualTo(passwords.signingKey());
		assertThat(user).containsEntry("KEEL_ISSUER", "http://localhost:18080")
			.containsEntry("KEEL_JWK_SET_URI", "http://127.0.0.1:8083/oauth2/jwks")
			.doesNotContainKey("KEEL_AUTH_SIGNING_KEY")
			.doesNotContainKey("KEEL_ACCOUNT_PASSWORD_ALICE");
		assertThat(passwords.account("alice")).isNotEqualTo(passwords.account("bob"));
		assertThat(Files.getPosixFilePermissions(this.root.resolve("run/auth-signing-key.pem")))
			.extracting(Object::toString)
			.containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
	}

	@Test
	void aCallingServiceAndAuthServiceShareItsClientSecretAndNoOneElseHasIt() {
		Topology topology = topology(1, Map.of());
		Passwords passwords = new Passwords(this.root.resolve("run"));

		Map<String, String> auth = topology.environment(new Instance("auth-service", 1), passwords);
		Map<String, String> order = topology.environment(new Instance("order-service", 1), passwords);
		Map<String, String> user = topology.environment(new Instance("user-service", 1), passwords);

		String secret = passwords.clientSecret("order-service");
		assertThat(secret).hasSize(48).as("made once").isEqualTo(passwords.clientSecret("order-service"));
		String own = passwords.clientSecret("auth-service");
		assertThat(auth).containsEntry("KEEL_CLIENT_SECRET_ORDER_SERVICE", secret)
			.containsEntry("KEEL_CLIENT_SECRET_KEEL_WEB", passwords.clientSecret("keel-web"))
			.as("auth-service calls user-service at sign-up as a client of its own")
			.containsEntry("KEEL_CLIENT_SECRET_AUTH_SERVICE", own)
			.containsEntry("KEEL_CLIENT_SECRET", own);
		assertThat(passwords.clientSecret("keel-web")).isNotEqualTo(secret).isNotEqualTo(own);
		assertThat(own).isNotEqualTo(secret);
		assertThat(order).containsEntry("KEEL_CLIENT_SECRET", secret)
			.containsEntry("KEEL_TOKEN_URI", "http://127.0.0.1:8083/oauth2/token");
		assertThat(user).doesNotContainKey("KEEL_CLIENT_SECRET")
			.doesNotContainKey("KEEL_CLIENT_SECRET_ORDER_SERVICE")
			.doesNotContainKey("KEEL_CLIENT_SECRET_AUTH_SERVICE");
		assertThat(topology.environment(Instance.GATEWAY, passwords)).doesNotContainKey("KEEL_CLIENT_SECRET");
	}

	@Test
	void aGitRepositoryIsServedFromAClone() {
		Topology topology = topology(1, Map.of("KEEL_CONFIG_REPO", "/srv/config.git"));

		assertThat(topology.environment(Instance.CONFIG_SERVER, new Passwords(this.root.resolve("run"))))
			.containsEntry("CONFIG_REPO_URI", "/srv/config.git")
			.containsEntry("CONFIG_REPO_LABEL", "main")
			.containsEntry("CONFIG_REPO_CLONE_DIR", this.root.resolve(".platform/config-clone").toString())
			.doesNotContainKey("KEEL_CONFIG_REPO_DIR");
	}

	@Test
	void instancesAreNamedAsUsersNameThem() {
		assertThat(Instance.parse("user-service")).isEqualTo(new Instance("user-service", 1));
		assertThat(Instance.parse("order-service#2")).isEqualTo(new Instance("order-service", 2));
		assertThat(Instance.parse("gateway-service")).isEqualTo(Instance.GATEWAY);
		assertThat(Instance.parse("db").fileName()).isEqualTo("db");
		assertThat(new Instance("user-service", 2).fileName()).isEqualTo("user-service-2");
		assertThat(Instance.parse("gateway-service#2")).isEqualTo(new Instance("gateway-service", 2));
		assertThat(Instance.parse("edge")).isEqualTo(Instance.EDGE);
		for (String wrong : List.of("users", "user-service#0", "user-service#x", "gateway-service#0", "edge#1")) {
			assertThatExceptionOfType(UsageException.class).as(wrong).isThrownBy(() -> Instance.parse(wrong));
		}
	}

	@Test
	void withAnEdgeTheGatewaysMoveToPortsOfTheirOwnAndNginxTakesThePublicOnes() {
		Settings settings = Settings.from(this.root, Map.of());
		Topology topology = new Topology(settings, new Topology.Layout(1, Topology.Discovery.LOCAL, 2));

		assertThat(topology.instances()).extracting(Instance::name)
			.endsWith("gateway-service#1", "gateway-service#2", "edge");
		assertThat(topology.gateways()).extracting(topology::port).containsExactly(8180, 8280);
		assertThat(topology.gateways()).extracting(topology::managementPort).containsExactly(9180, 9280);
		assertThat(topology.port(Instance.EDGE)).isEqualTo(8080);
		assertThat(topology.readiness(Instance.EDGE)).hasToString("http://127.0.0.1:9080/readyz");
		assertThat(topology.resolve(Instance.GATEWAY)).isEqualTo(new Instance("gateway-service", 1));
		assertThat(topology.environment(new Instance("gateway-service", 2), new Passwords(this.root.resolve("run"))))
			.containsEntry("PORT", "8280")
			.containsEntry("MANAGEMENT_PORT", "9280")
			.containsEntry("KEEL_INSTANCE", "gateway-service#2");
		// Without an edge, as before: one gateway on the public port.
		Topology plain = topology(1, Map.of());
		assertThat(plain.front()).containsExactly(Instance.GATEWAY);
		assertThat(plain.port(Instance.GATEWAY)).isEqualTo(8080);
		assertThat(plain.resolve(Instance.GATEWAY)).isEqualTo(Instance.GATEWAY);
	}

	@Test
	void theEdgesConfigurationListsEveryGatewayAndServesHttpsWithTheLocalCertificate() {
		Settings settings = Settings.from(this.root, Map.of("KEEL_HTTPS_PORT", "9443"));
		Topology topology = new Topology(settings, new Topology.Layout(1, Topology.Discovery.LOCAL, 3));

		String configuration = new Edge(settings).configuration(topology, this.root.resolve("tls/edge.crt"));

		assertThat(configuration).contains("server 127.0.0.1:8180 max_fails=1 fail_timeout=2s;",
				"server 127.0.0.1:8280 max_fails=1", "server 127.0.0.1:8380 max_fails=1", "listen 127.0.0.1:8080;",
				"listen 127.0.0.1:9443 ssl;", "ssl_certificate \"" + this.root.resolve("tls/edge.crt") + "\";",
				"ssl_certificate_key \"" + this.root.resolve("tls/edge.key") + "\";", "proxy_pass http://keel_gateways/readyz;", "listen 127.0.0.1:9080;",
				"include keel-http.conf;", "include keel-server.conf;");
	}

	@Test
	void anEdgeWithoutNginxIsRefusedSayingHowToGetIt() throws IOException {
		assertThatExceptionOfType(LauncherException.class)
			.isThrownBy(() -> Edge.nginx(Map.of("KEEL_NGINX", this.root.resolve("missing").toString())))
			.withMessageContaining("is not an executable");
		Path nginx = Files.createFile(this.root.resolve("nginx"));
		nginx.toFile().setExecutable(true);
		assertThat(Edge.nginx(Map.of("KEEL_NGINX", nginx.toString()))).isEqualTo(nginx);
		assertThat(Edge.nginx(Map.of("PATH", this.root.toString()))).isEqualTo(nginx);
	}

	@Test
	void inNacosModeEveryProcessRegistersAtItsLoopbackAddressInsteadOfReadingAList() throws IOException {
		Settings settings = Settings.from(this.root, Map.of());
		Topology topology = new Topology(settings, new Topology.Layout(2, Topology.Discovery.NACOS));
		// As ./platform up --discovery nacos kept them, for restarts from another shell.
		Nacos.save(settings.run(), Map.of("NACOS_SERVER_ADDR", "10.0.0.9:8848", "NACOS_PASSWORD", "pa=ss:w0rd",
				"HOME", "/home/someone"));

		for (Instance instance : List.of(new Instance("user-service", 2), Instance.GATEWAY)) {
			assertThat(topology.environment(instance, new Passwords(settings.run())))
				.containsEntry("SPRING_CLOUD_NACOS_DISCOVERY_ENABLED", "true")
				.containsEntry("NACOS_DISCOVERY_IP", "127.0.0.1")
				.containsEntry("NACOS_SERVER_ADDR", "10.0.0.9:8848")
				.containsEntry("NACOS_PASSWORD", "pa=ss:w0rd")
				.doesNotContainKey("HOME")
				.doesNotContainKey("SPRING_APPLICATION_JSON");
		}
		assertThat(Files.getPosixFilePermissions(settings.run().resolve("nacos")))
			.extracting(Object::toString)
			.containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
		assertThat(Launcher.layout(List.of("--replicas", "2", "--discovery=nacos")))
			.isEqualTo(new Topology.Layout(2, Topology.Discovery.NACOS));
		assertThat(Launcher.layout(List.of())).isEqualTo(new Topology.Layout(1, Topology.Discovery.LOCAL));
		assertThat(Launcher.layout(List.of("--gateways", "2"))).isEqualTo(new Topology.Layout(1, Topology.Discovery.LOCAL, 2));
		for (String wrong : List.of("0", "10", "x")) {
			assertThatExceptionOfType(UsageException.class).isThrownBy(() -> Launcher.layout(List.of("--gateways", wrong)));
		}
	}

	/** A setting the launcher refuses before it does anything, in one line. */
	private void assertRefused(String setting, String value, String message) {
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> Settings.from(this.root, Map.of(setting, value)))
			.withMessage(message);
	}

	private Topology topology(int replicas, Map<String, String> environment) {
		return new Topology(Settings.from(this.root, environment), new Topology.Layout(replicas, Topology.Discovery.LOCAL));
	}

}
