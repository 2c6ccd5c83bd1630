package dev.keel.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class StartupCacheTests {

	@TempDir
	Path directory;

	@Test
	void jdk25AndLaterGetAnAotCacheAndOlderOnesADynamicCdsArchive() {
		Path archive = Path.of("cache", "app");
		assertThat(StartupCache.archiveName(17)).isEqualTo("app.jsa");
		assertThat(StartupCache.writeArchive(17, archive)).isEqualTo("-XX:ArchiveClassesAtExit=" + archive);
		assertThat(StartupCache.useArchive(21, archive)).isEqualTo("-XX:SharedArchiveFile=" + archive);
		assertThat(StartupCache.archiveName(25)).isEqualTo("app.aot");
		assertThat(StartupCache.writeArchive(25, archive)).isEqualTo("-XX:AOTCacheOutput=" + archive);
		assertThat(StartupCache.useArchive(26, archive)).isEqualTo("-XX:AOTCache=" + archive);
	}

	@Test
	void aRebuiltJarOrOtherJvmOptionsMakeAnotherCache() throws IOException {
		Path jar = Files.writeString(this.directory.resolve("user-service.jar"), "classes");
		List<String> options = List.of("-XX:+UseSerialGC");
		String source = StartupCache.source(jar, options, Map.of());
		assertThat(StartupCache.source(jar, options, Map.of("PATH", "/usr/bin"))).isEqualTo(source);
		assertThat(source).contains(Runtime.version().toString());
		assertThat(StartupCache.key(source)).hasSize(12).isEqualTo(StartupCache.key(source));

		assertThat(StartupCache.source(jar, List.of("-XX:+UseParallelGC"), Map.of())).isNotEqualTo(source);
		assertThat(StartupCache.source(jar, options, Map.of("JAVA_TOOL_OPTIONS", "-XX:+UseZGC"))).isNotEqualTo(source);
		Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
		assertThat(StartupCache.key(StartupCache.source(jar, options, Map.of()))).isNotEqualTo(StartupCache.key(source));
	}

}
