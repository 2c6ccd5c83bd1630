package dev.keel.launcher;

import java.util.stream.Stream;

/**
 * The headless browser keel drives: the launcher draws load-test charts with it ({@link ReportCharts}), the system
 * tests open Swagger UI in it.
 */
public final class Chromium {

	private Chromium() {
	}

	/** The command that runs Chromium here, or null ({@code KEEL_CHROMIUM} names another). */
	public static String command() {
		String configured = System.getenv("KEEL_CHROMIUM");
		if (configured != null && !configured.isBlank()) {
			return configured;
		}
		return Stream.of("chromium", "chromium-browser", "google-chrome")
			.filter(Processes::isOnPath)
			.findFirst()
			.orElse(null);
	}

}
