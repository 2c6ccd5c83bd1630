package dev.keel.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image's class archive, made as deploy/docker/Dockerfile makes it, step by step, on this machine's JDK: the
 * development machines have no Docker engine to build the image itself. The steps are read from the Dockerfile
 * (the jar's extraction, the layers copied, the training run, the entry point), so the two cannot drift apart.
 * Last, once the shared platform is down: it needs no platform, and its training runs take the cores.
 */
@Order(9)
class ImageClassArchiveIT {

	@ParameterizedTest
	@ValueSource(strings = { "config-server", "auth-service", "user-service", "order-service", "gateway-service" })
	void theImagesTrainingRunMakesAClassArchiveItsEntryPointCanUse(String module, @TempDir Path build) throws IOException {
		assertTheImageBuildMakesAClassArchive(Deployment.ROOT, module, build);
	}

	/**
	 * The Dockerfile's steps for one module of the repository at {@code root} (a service added with new-service too,
	 * in NewServiceIT's copy), in {@code build}; asserts the archive is made, valid for the entry point, and full.
	 */
	static void assertTheImageBuildMakesAClassArchive(Path root, String module, Path build) throws IOException {
		String dockerfile = Files.readString(root.resolve("deploy/docker/Dockerfile"));
		// The first stage's WORKDIR, /build; the second's, /application. The commands' output goes beside them.
		Path layersStage = Files.createDirectory(build.resolve("build"));
		Files.copy(jar(root, module), layersStage.resolve("application.jar"));
		Platform.Result extract = run(layersStage, Map.of(),
				line(dockerfile, "RUN java -Djarmode=tools ").substring("RUN ".length()).split(" "));
		assertThat(extract.exitCode()).as(extract.output()).isZero();

		Path application = Files.createDirectory(build.resolve("application"));
		Matcher layer = Pattern.compile("COPY --from=layers /build/(\\S+)/ \\./").matcher(dockerfile);
		int layers = 0;
		while (layer.find()) {
			copyTree(layersStage.resolve(layer.group(1)), application);
			layers++;
		}
		assertThat(layers).as("layers the Dockerfile copies").isEqualTo(3);

		// The training step: its bind mounts (each let into the build context), then its command, run as the image's
		// build runs it, with the image's JVM options, before the image's user is set.
		Map<String, Path> mounts = new HashMap<>();
		Matcher mount = Pattern.compile("--mount=type=bind,source=(\\S+),target=(\\S+)").matcher(dockerfile);
		List<String> context = Files.readAllLines(root.resolve(".dockerignore"));
		while (mount.find()) {
			mounts.put(mount.group(2), root.resolve(mount.group(1)));
			assertThat(context).as("the build context").contains("!" + mount.group(1));
		}
		String[] step = line(dockerfile, "\tsh /tmp/train-class-archive ").strip().split(" ");
		assertThat(step).containsExactly("sh", "/tmp/train-class-archive", "\"${MODULE}\"", "/tmp/config-repo");
		assertThat(mounts).as("the step's mounts").containsKeys(step[1], step[3]);
		assertThat(dockerfile.indexOf("USER keel")).as("the image's user, after the training step")
			.isGreaterThan(dockerfile.indexOf(step[1] + " "));
		Matcher options = Pattern.compile("ENV JAVA_TOOL_OPTIONS=\"([^\"]+)\"").matcher(dockerfile);
		assertThat(options.find()).as("the image's JVM options").isTrue();
		Platform.Result training = run(application, Map.of("JAVA_TOOL_OPTIONS", options.group(1)), "sh",
				mounts.get(step[1]).toString(), module, mounts.get(step[3]).toString());
		assertThat(training.exitCode()).as(training.output()).isZero();
		if (module.equals("auth-service")) {
			// The one expected stop: at its database, which a build does not have (the script says why).
			assertThat(training.output()).contains("auth-service's context stops at its database, as expected");
		}

		// The JVM checks the archive against the entry point's class path (application.jar and the lib/ its
		// manifest lists), and lists what it holds. Without the image's MaxRAMPercentage: here there is no container's
		// limit, and on a large host it would turn off the compressed pointers a container's JVM keeps.
		String entryPointLine = line(dockerfile, "ENTRYPOINT [");
		List<String> entryPoint = new ArrayList<>(List.of(entryPointLine.replaceAll("ENTRYPOINT \\[|]|\"", "").split(", ")));
		assertThat(entryPoint).containsExactly("java", "-XX:SharedArchiveFile=application.jsa", "-jar", "application.jar");
		entryPoint.add(1, "-XX:+PrintSharedArchiveAndExit");
		Platform.Result archive = run(application, Map.of(), entryPoint.toArray(String[]::new));
		assertThat(archive.exitCode()).as(archive.tail()).isZero();
		assertThat(archive.output()).as(archive.tail()).contains("archive is valid");
		long applicationClasses = archive.output().lines().filter((line) -> line.endsWith(" app_loader")).count();
		// Measured 2026-12-06: 7,300 (config-server) to 17,400 (order-service), 92-99 % of what a training run with
		// config-server and the database archives (auth-service: 86 %).
		assertThat(applicationClasses).as("classes of the application and its libraries").isGreaterThan(5000);
		assertThat(archive.output()).contains(": " + mainClass(application.resolve("application.jar")) + " app_loader");
	}

	/** The jar the Dockerfile copies: ${MODULE}/target/${MODULE}-*.jar, the executable one. */
	private static Path jar(Path root, String module) throws IOException {
		try (Stream<Path> files = Files.list(root.resolve(module).resolve("target"))) {
			List<Path> jars = files.filter((file) -> file.getFileName().toString().matches(module + "-.*\\.jar"))
				.filter((file) -> !file.getFileName().toString().endsWith("-plain.jar"))
				.toList();
			assertThat(jars).as("%s's built jar (./mvnw package)", module).hasSize(1);
			return jars.get(0);
		}
	}

	private static String line(String dockerfile, String start) {
		return dockerfile.lines()
			.filter((line) -> line.startsWith(start))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no line starting with '" + start + "' in the Dockerfile"));
	}

	private static String mainClass(Path jar) throws IOException {
		try (JarFile file = new JarFile(jar.toFile())) {
			return file.getManifest().getMainAttributes().getValue("Main-Class");
		}
	}

	private static void copyTree(Path from, Path to) throws IOException {
		try (Stream<Path> files = Files.walk(from)) {
			for (Path file : files.toList()) {
				Path target = to.resolve(from.relativize(file).toString());
				if (Files.isDirectory(file)) {
					Files.createDirectories(target);
				}
				else {
					Files.copy(file, target);
				}
			}
		}
	}

	/**
	 * A command run to its end, its output merged and kept. A generous deadline, beyond the training script's own
	 * 10-minute limit, which stops its JVM first. Only what finds the JDK and the tools is taken from the machine: a
	 * developer's database or Nacos settings must not let a context refresh that would not in a build.
	 */
	private static Platform.Result run(Path directory, Map<String, String> environment, String... command) {
		ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
		builder.environment().keySet().retainAll(Set.of("PATH", "HOME", "JAVA_HOME", "LANG"));
		builder.environment().putAll(environment);
		return Platform.execute(builder, TimeUnit.MINUTES.toSeconds(15));
	}

}
