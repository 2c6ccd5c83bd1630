package dev.keel.launcher;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FiguresTests {

	@Test
	void oneTableInTheOrderMeasuredWithTheGoalAndWhetherItWasMet() {
		Figures figures = new Figures();
		figures.add("gateway adds at 50 GET/s, p50", "+2.84 ms", "<= +1 ms", false);
		figures.add("orders placed/s, p99 (contention)", "75.8 /s, 601 ms");
		figures.add("user GETs, most/s: gateway vs straight", "60 %", ">= 50 %", true);

		assertThat(figures.table()).isEqualTo("""
				figure                                  this run         goal      met
				gateway adds at 50 GET/s, p50           +2.84 ms         <= +1 ms  NO
				orders placed/s, p99 (contention)       75.8 /s, 601 ms
				user GETs, most/s: gateway vs straight  60 %             >= 50 %   yes
				""");
	}

}
