package dev.keel.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which jars are stale, from the reactor as the poms describe it: a jar is older than something it is built from,
 * in its module or in any project module it depends on, directly or not.
 */
class ReactorTests {

	private static final Instant BUILT = Instant.parse("2026-01-01T12:00:00Z");

	@TempDir
	Path root;

	@BeforeEach
	void project() throws IOException {
		write("pom.xml", """
				<project><groupId>dev.keel</groupId><artifactId>keel</artifactId><version>1.0</version>
				  <modules><module>core</module><module>starter</module><module>orders</module>
				    <module>deploy/db</module><module>users</module></modules></project>""");
		module("core", "");
		module("starter", dependency("core"));
		module("orders", dependency("starter") + "<dependency><groupId>org.other</groupId><artifactId>users</artifactId></dependency>");
		module("users", "");
		write("deploy/db/pom.xml", """
				<project><parent><artifactId>keel</artifactId></parent><artifactId>db</artifactId>
				  <build><plugins><plugin><artifactId>spring-boot-maven-plugin</artifactId>
				    <executions><execution><configuration><classifier>exec</classifier></configuration></execution></executions>
				  </plugin></plugins></build></project>""");
		write("deploy/db/src/main/java/Db.java", "");
		for (String jar : new String[] { "core/target/core-1.0.jar", "starter/target/starter-1.0.jar",
				"orders/target/orders-1.0.jar", "users/target/users-1.0.jar", "deploy/db/target/db-1.0-exec.jar" }) {
			write(jar, "jar");
		}
		try (var files = Files.walk(this.root)) {
			for (Path file : files.filter(Files::isRegularFile).toList()) {
				Files.setLastModifiedTime(file, FileTime.from(BUILT.minusSeconds(file.toString().endsWith(".jar") ? 0 : 60)));
			}
		}
	}

	@Test
	void freshJarsAreNotStaleAndMissingOnesAre() throws IOException {
		Reactor reactor = Reactor.read(this.root);

		assertThat(reactor.stale("orders")).isFalse();
		assertThat(reactor.jar("db")).isEqualTo(this.root.resolve("deploy/db/target/db-1.0-exec.jar"));
		assertThat(reactor.stale("db")).isFalse();
		assertThat(reactor.path("db")).isEqualTo("deploy/db");

		Files.delete(this.root.resolve("users/target/users-1.0.jar"));
		assertThat(reactor.stale("users")).isTrue();
	}

	@Test
	void aChangeInAModuleAJarDependsOnThroughAnotherMakesItStale() throws IOException {
		touch("core/src/main/java/core.java");

		Reactor reactor = Reactor.read(this.root);
		assertThat(reactor.stale("orders")).as("orders -> starter -> core").isTrue();
		assertThat(reactor.stale("users")).as("depends on nothing that changed").isFalse();
		assertThat(reactor.closure("orders")).extracting(Reactor.Module::artifactId)
			.containsExactly("orders", "starter", "core");
	}

	@Test
	void aChangedPomOrRootPomMakesJarsStale() throws IOException {
		touch("starter/pom.xml");
		assertThat(Reactor.read(this.root).stale("orders")).isTrue();
		assertThat(Reactor.read(this.root).stale("users")).isFalse();

		touch("pom.xml");
		assertThat(Reactor.read(this.root).stale("users")).isTrue();
	}

	private void module(String name, String dependencies) throws IOException {
		write(name + "/pom.xml", "<project><parent><artifactId>keel</artifactId></parent><artifactId>" + name
				+ "</artifactId><dependencies>" + dependencies + "</dependencies></project>");
		write(name + "/src/main/java/" + name + ".java", "");
	}

	private static String dependency(String artifactId) {
		return "<dependency><groupId>dev.keel</groupId><artifactId>" + artifactId + "</artifactId></dependency>";
	}

	private void write(String path, String content) throws IOException {
		Path file = this.root.resolve(path);
		Files.createDirectories(file.getParent());
		Files.writeString(file, content);
	}

	private void touch(String path) throws IOException {
		Files.setLastModifiedTime(this.root.resolve(path), FileTime.from(BUILT.plusSeconds(60)));
	}

}
