package dev.keel.launcher;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReportChartsTests {

	private static final Instant AT = Instant.parse("2026-12-06T00:56:25Z");

	@Test
	void aMomentIsALineAndAnOutageABandOnGatlingsTimeAxis() {
		assertThat(ReportCharts.Event.at(AT, "SIGKILL user-service#2").mark())
			.isEqualTo("{value: 1796518585000, color: '#b00020', width: 2, zIndex: 20}");
		assertThat(new ReportCharts.Event(AT, AT.plusSeconds(3), "SIGSTOP user-service#2").mark())
			.isEqualTo("{from: 1796518585000, to: 1796518588000, color: 'rgba(176, 0, 32, 0.12)', zIndex: 0}");
	}

	@Test
	void aLabelIsAScriptStringOfEscapedMarkupWhateverItHolds() {
		assertThat(ReportCharts.Event.at(AT, "it's \"<b>\" & \\ \n\u2028").label())
			.isEqualTo("[1796518585000, \"it's \\\"&lt;b&gt;\\\" &amp; \\\\ \\n\\u2028\"]");
	}

}
