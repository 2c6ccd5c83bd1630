package dev.keel.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a user who types the wrong thing gets: one line saying what is wrong, the usage of the command, and an exit
 * code; never a stack trace.
 */
class LauncherTests {

	@TempDir
	Path root;

	private final ByteArrayOutputStream out = new ByteArrayOutputStream();

	private final ByteArrayOutputStream err = new ByteArrayOutputStream();

	@Test
	void noCommandOrAnUnknownOneShowsWhatThereIsAndExits2() {
		assertThat(run()).isEqualTo(2);
		assertThat(errors()).contains("./platform up [--replicas N]").doesNotContain("unknown command");

		this.err.reset();
		assertThat(run("upp")).isEqualTo(2);
		assertThat(errors()).startsWith("platform: unknown command 'upp'").contains("./platform down");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "up --replicas|--replicas needs a value|./platform up [--replicas N]",
			"up --replicas 0|--replicas must be between 1 and 9, not '0'|./platform up [--replicas N]",
			"up --replicas=12|--replicas must be between 1 and 9, not '12'|./platform up [--replicas N]",
			"up --nodes 2|unknown option '--nodes'|./platform up [--replicas N]",
			"up --discovery consul|--discovery is local or nacos, not 'consul'|./platform up [--replicas N]",
			"down now|down takes no arguments|./platform down",
			"kill|kill takes exactly one argument|./platform kill SERVICE[#i]",
			"kill users|unknown process 'users'|./platform kill SERVICE[#i]",
			"kill user-service#x|an instance number is 1 or more|./platform kill SERVICE[#i]",
			"logs|logs takes a process name|./platform logs NAME [-f]",
			"logs db --follow|logs takes a process name|./platform logs NAME [-f]",
			"restart|restart takes exactly one argument|./platform restart SERVICE",
			"restart user-service#3|user-service#3 is not an instance of this platform|./platform restart SERVICE",
			"bench|which benchmark?|./platform bench contention",
			"bench speed|unknown benchmark 'speed'|./platform bench contention",
			"bench latency --rate x|--rate needs a positive number|./platform bench contention",
			"bench contention --rate 5|unknown option '--rate'|./platform bench contention",
			"bench throughput --rate 5|unknown option '--rate'|./platform bench contention",
			"bench profile --rounds 2|unknown option '--rounds'|./platform bench contention" })
	void aWrongArgumentIsOneLineAndTheUsage(String command, String error, String usage) {
		assertThat(run(command.split(" "))).isEqualTo(1);

		String[] lines = errors().split("\n");
		assertThat(lines).hasSize(2);
		assertThat(lines[0]).startsWith("platform: ").contains(error);
		assertThat(lines[1]).startsWith("usage: " + usage);
	}

	@Test
	void aWrongSettingIsOneLine() {
		int exit = Launcher.run(new String[] { "ps" }, this.root, Map.of("KEEL_READY_TIMEOUT", "soon"), console());

		assertThat(exit).isEqualTo(1);
		assertThat(errors()).isEqualToIgnoringNewLines("platform: KEEL_READY_TIMEOUT must be a number, not 'soon'");
	}

	@Test
	void psOfAStateDirectoryThatNeverRanListsEveryProcessStopped() {
		assertThat(run("ps")).isZero();

		assertThat(output()).contains("NAME").contains("user-service#1     8081   9081   -        stopped");
	}

	@Test
	void commandsAfterUpRunWithTheSettingsItStartedWithAndNameTheShellsTheyIgnore() {
		Path run = this.root.resolve(".platform/run");
		StartSettings.save(run, Map.of("KEEL_PORT_OFFSET", "10000", "KEEL_JAVA_OPTS", "",
				"KEEL_CONFIG_REPO", "https://ci:s3cret@git.example.com/config.git", "KEEL_READY_TIMEOUT", "300"));

		int exit = Launcher.run(new String[] { "ps" }, this.root, Map.of("KEEL_PORT_OFFSET", "20000",
				"KEEL_JAVA_OPTS", "-Xmx1g", "KEEL_CONFIG_REPO", "https://ci:s3cret@git.example.com/config.git",
				"KEEL_READY_TIMEOUT", "5"), console());

		assertThat(exit).isZero();
		assertThat(output()).contains("user-service#1     18081  19081  -        stopped");
		// Names, never values: a repository's URL may carry a token. The timeouts are each command's own.
		assertThat(errors()).isEqualToIgnoringNewLines("platform: KEEL_JAVA_OPTS, KEEL_PORT_OFFSET of this shell "
				+ "ignored: the platform keeps the settings ./platform up started it with until ./platform down");
	}

	@Test
	void theSettingsUpStartedWithAreKeptAsTheyWereSetAndForgottenByDown() throws Exception {
		Path run = this.root.resolve(".platform/run");
		StartSettings.save(run, Map.of("KEEL_JAVA_OPTS", "", "KEEL_USER_PORT", "7081", "HOME", "/root"));

		List<String> ignored = new ArrayList<>();
		Map<String, String> applied = StartSettings.applied(run,
				Map.of("KEEL_JAVA_OPTS", "-Xmx1g", "KEEL_PROFILES", "local,staging", "HOME", "/home/ada"), ignored);

		// A blank KEEL_JAVA_OPTS is no options at all, not the defaults; what is not the platform's passes through.
		assertThat(applied).containsOnly(Map.entry("KEEL_JAVA_OPTS", ""), Map.entry("KEEL_USER_PORT", "7081"),
				Map.entry("HOME", "/home/ada"));
		// One the shell does not set is no surprise: the platform's applies silently.
		assertThat(ignored).containsExactly("KEEL_PROFILES", "KEEL_JAVA_OPTS");
		if (Files.getFileStore(run).supportsFileAttributeView("posix")) {
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(run.resolve("settings"))))
				.isEqualTo("rw-------");
		}

		assertThat(run("down")).isZero();
		assertThat(StartSettings.applied(run, Map.of("KEEL_PROFILES", "local,staging"), ignored))
			.containsOnly(Map.entry("KEEL_PROFILES", "local,staging"));
	}

	@Test
	void settingsUpKeptThatCannotBeReadAreOneLineSayingWhatToDo() throws Exception {
		Path file = this.root.resolve(".platform/run/settings");
		Files.createDirectories(file.getParent());
		Files.writeString(file, "KEEL_PORT_OFFSET=\\u00zz\n");

		assertThat(run("ps")).isEqualTo(1);
		assertThat(errors()).startsWith("platform: cannot read " + file).contains("delete it").doesNotContain("\tat ");
	}

	@Test
	void downWithNothingStartedSaysSo() {
		assertThat(run("down")).isZero();
		assertThat(output()).contains("nothing is running");
	}

	private int run(String... args) {
		return Launcher.run(args, this.root, Map.of(), console());
	}

	private Console console() {
		return new Console(new PrintStream(this.out, true, StandardCharsets.UTF_8),
				new PrintStream(this.err, true, StandardCharsets.UTF_8));
	}

	private String output() {
		return this.out.toString(StandardCharsets.UTF_8);
	}

	private String errors() {
		return this.err.toString(StandardCharsets.UTF_8);
	}

}
