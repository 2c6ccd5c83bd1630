package dev.keel.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What the launcher says: a line per step ({@code •}), per process ready ({@code ✓}) or failed ({@code ✗}, with
 * the end of its log).
 */
final class Console {

	private final PrintStream out;

	private final PrintStream err;

	Console(PrintStream out, PrintStream err) {
		this.out = out;
		this.err = err;
	}

	static Console system() {
		return new Console(new PrintStream(System.out, true, StandardCharsets.UTF_8),
				new PrintStream(System.err, true, StandardCharsets.UTF_8));
	}

	synchronized void say(String line) {
		this.out.println(line);
	}

	void step(String line) {
		say("• " + line);
	}

	void ready(String line) {
		say("✓ " + line);
	}

	/** A process that failed, and the last lines of its log. */
	synchronized void failed(String line, Path log) {
		this.err.println("✗ " + line);
		for (String logLine : tail(log, 25)) {
			this.err.println(logLine);
		}
	}

	synchronized void error(String line) {
		this.err.println("platform: " + line);
	}

	synchronized void usage(String line) {
		this.err.println(line);
	}

	static String seconds(Duration duration) {
		return String.format(Locale.ROOT, "%.1fs", duration.toMillis() / 1000.0);
	}

	static List<String> tail(Path file, int lines) {
		try {
			List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
			return all.subList(Math.max(0, all.size() - lines), all.size());
		}
		catch (IOException ex) {
			return List.of("(no log at " + file + ")");
		}
	}

}
