package dev.keel.launcher;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GatlingRunTests {

	@Test
	void answersAreReadByRequestThenStatusWithNamesOfSeveralWords() {
		GatlingRun.Result result = new GatlingRun.Result(null, GatlingRun.answers(List.of("200 user 820",
				"201 place order 37", "409 place order 2", "none place order 1", "504 place order 3")));

		assertThat(result.total("user")).isEqualTo(820);
		assertThat(result.failed("user", "200")).isZero();
		assertThat(result.count("place order", "201")).isEqualTo(37);
		assertThat(result.total("place order")).isEqualTo(43);
		assertThat(result.failed("place order", "201")).isEqualTo(6);
		assertThat(result.count("place order", "none")).isEqualTo(1);
	}

	@Test
	void aRequestNeverSentCountsNothing() {
		GatlingRun.Result result = new GatlingRun.Result(null, GatlingRun.answers(List.of("200 user 5", "")));

		assertThat(result.total("place order")).isZero();
		assertThat(result.failed("place order", "201")).isZero();
	}

}
