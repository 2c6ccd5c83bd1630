package dev.keel.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the benchmarks measured, a row per figure in the order measured, for {@code ./platform bench report}'s one
 * table: each with issue 16's goal where it sets one, and whether this run met it.
 */
final class Figures {

	/** A figure; {@code met} is empty where no goal applies. */
	record Row(String figure, String value, String goal, Optional<Boolean> met) {
	}

	private final List<Row> rows = new ArrayList<>();

	synchronized void add(String figure, String value) {
		this.rows.add(new Row(figure, value, "", Optional.empty()));
	}

	synchronized void add(String figure, String value, String goal, boolean met) {
		this.rows.add(new Row(figure, value, goal, Optional.of(met)));
	}

	/** The rows as a plain-text table, columns as wide as their widest cell. */
	synchronized String table() {
		List<String[]> cells = new ArrayList<>();
		cells.add(new String[] { "figure", "this run", "goal", "met" });
		this.rows.forEach((row) -> cells.add(new String[] { row.figure(), row.value(), row.goal(),
				row.met().map((met) -> met ? "yes" : "NO").orElse("") }));
		int[] widths = new int[4];
		cells.forEach((line) -> {
			for (int i = 0; i < widths.length; i++) {
				widths[i] = Math.max(widths[i], line[i].length());
			}
		});
		StringBuilder table = new StringBuilder();
		for (String[] line : cells) {
			StringBuilder text = new StringBuilder();
			for (int i = 0; i < line.length; i++) {
				text.append(i == line.length - 1 ? line[i] : String.format("%-" + widths[i] + "s  ", line[i]));
			}
			table.append(text.toString().stripTrailing()).append('\n');
		}
		return table.toString();
	}

}
