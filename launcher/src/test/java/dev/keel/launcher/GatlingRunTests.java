package dev.keel.launcher;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GatlingRunTests {

	@Test
	void answersAreReadByRequestThenStatusWithNamesOfSeveralWords() {
		GatlingRun.Result result = new GatlingRun.Result(null, GatlingRun.answers(List.of("200 user 820",
				"201 place order 37", "409 place order 2", "none place order 1", "504 place order 3")), Map.of(),
				Map.of());

		assertThat(result.total("user")).isEqualTo(820);
		assertThat(result.failed("user", "200")).isZero();
		assertThat(result.count("place order", "201")).isEqualTo(37);
		assertThat(result.total("place order")).isEqualTo(43);
		assertThat(result.failed("place order", "201")).isEqualTo(6);
		assertThat(result.count("place order", "none")).isEqualTo(1);
	}

	@Test
	void gatlingsFiguresOfTheWholeRunAreReadFromItsSummaryAlone() {
		List<String> output = List.of("---- Requests ------------|---Total---|-----OK----|----KO----",
				"> Global                  |     1,098 |     1,092 |         6",
				"================================================================",
				"---- Global Information --|---Total---|-----OK----|----KO----",
				"> request count           |     1,098 |     1,092 |         6",
				"> response time 99th percentile (ms)     |       419 |       419 |        71",
				"> mean throughput (rps)   |     49.91 |     49.64 |      0.27",
				"---- Response Time Distribution ----------------------------------",
				"> OK: t < 800 ms          |     1,089 (99.18%)");
		GatlingRun.Result result = new GatlingRun.Result(null, Map.of(), GatlingRun.global(output), Map.of());

		assertThat(result.global()).containsOnlyKeys("request count", "response time 99th percentile (ms)",
				"mean throughput (rps)");
		assertThat(result.figure("request count")).isEqualTo(1098);
		assertThat(result.figure("response time 99th percentile (ms)")).isEqualTo(419);
		assertThat(result.figure("mean throughput (rps)")).isEqualTo(49.91);
	}

	@Test
	void aRequestNeverSentCountsNothing() {
		GatlingRun.Result result = new GatlingRun.Result(null, GatlingRun.answers(List.of("200 user 5", "")), Map.of(),
				Map.of());

		assertThat(result.total("place order")).isZero();
		assertThat(result.failed("place order", "201")).isZero();
	}

}
