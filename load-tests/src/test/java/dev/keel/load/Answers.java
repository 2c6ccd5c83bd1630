package dev.keel.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

import io.gatling.javaapi.core.Session;

/**
 * Answers by status and request ("none": no answer), written for {@code ./platform bench} when the run ends: its
 * invariants compare what was stored with the 201s, which Gatling's report counts only as OK or KO.
 */
final class Answers {

	private final Map<String, LongAdder> counts = new ConcurrentSkipListMap<>();

	/** The answer to the request just made, by the status its check saved as "status". */
	Session record(String request, Session session) {
		return record(request, session.contains("status") ? String.valueOf(session.getInt("status")) : "none",
				session);
	}

	/** The answer to the request just made, as the simulation names it ("409-out-of-stock"). */
	Session record(String request, String answer, Session session) {
		this.counts.computeIfAbsent(answer + " " + request, (key) -> new LongAdder()).increment();
		return session.remove("status");
	}

	/** One line per request and status into {@code answers}: "201 place order 37". */
	void write(Path directory) {
		StringBuilder lines = new StringBuilder();
		this.counts.forEach((answer, count) -> lines.append(answer).append(' ').append(count.sum()).append('\n'));
		try {
			Files.writeString(directory.resolve("answers"), lines);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
