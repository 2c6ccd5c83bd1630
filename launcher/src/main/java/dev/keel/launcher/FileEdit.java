package dev.keel.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A change to a file that exists, made where it belongs by what is around it (no markers in the file), and found
 * again to see whether it is made, or to take it out.
 */
sealed interface FileEdit {

	/** The file, from the repository's root. */
	String file();

	boolean isIn(String content);

	/** @throws LauncherException when the file does not have the place the change belongs */
	String apply(String content);

	/** The content without the change; unchanged when it is not there as it was made. */
	String undo(String content);

	/**
	 * Lines (or a part of a line) inserted at the offset {@code at} finds.
	 * @param text what is inserted: unique to the service within the block {@code within} heads (or the file, when
	 * null), so that it is found again there; whole lines (ending with a line break) are found at a line's start only
	 * @param own where that is not enough, what finds it again: every match is this service's and is taken out
	 */
	record Insertion(String file, String text, String where, Pattern within, Pattern own, Function<String, Integer> at)
			implements FileEdit {

		Insertion(String file, String text, String where, Function<String, Integer> at) {
			this(file, text, where, null, null, at);
		}

		Insertion(String file, String text, String where, Pattern within, Function<String, Integer> at) {
			this(file, text, where, within, null, at);
		}

		@Override
		public boolean isIn(String content) {
			return (this.own != null) ? this.own.matcher(content).find() : find(content) >= 0;
		}

		@Override
		public String apply(String content) {
			Integer offset = this.at.apply(content);
			if (offset == null || offset < 0) {
				throw new LauncherException("cannot find where to add " + this.where + " in " + this.file
						+ ": it is not laid out as keel wrote it; nothing was changed");
			}
			return content.substring(0, offset) + this.text + content.substring(offset);
		}

		@Override
		public String undo(String content) {
			if (this.own != null) {
				return this.own.matcher(content).replaceAll("");
			}
			int at = find(content);
			return (at < 0) ? content : content.substring(0, at) + content.substring(at + this.text.length());
		}

		private int find(String content) {
			int from = 0;
			int to = content.length();
			if (this.within != null) {
				List<String> lines = content.lines().toList();
				int[] range = block(lines, this.within);
				if (range[0] < 0) {
					return -1;
				}
				from = offsetOfLine(content, range[0]);
				to = offsetOfLine(content, range[1]);
			}
			boolean lines = this.text.endsWith("\n");
			for (int at = content.indexOf(this.text, from); at >= 0 && at + this.text.length() <= to;
					at = content.indexOf(this.text, at + 1)) {
				if (!lines || at == 0 || content.charAt(at - 1) == '\n') {
					return at;
				}
			}
			return -1;
		}

	}

	/**
	 * An item added to every list a line pattern finds (its group 1), after the others.
	 */
	record ListItem(String file, Pattern line, String separator, String item) implements FileEdit {

		@Override
		public boolean isIn(String content) {
			Matcher matcher = this.line.matcher(content);
			boolean found = false;
			while (matcher.find()) {
				found = true;
				if (!items(matcher.group(1)).contains(this.item)) {
					return false;
				}
			}
			return found;
		}

		@Override
		public String apply(String content) {
			Matcher matcher = this.line.matcher(content);
			StringBuilder changed = new StringBuilder();
			boolean found = false;
			while (matcher.find()) {
				found = true;
				String list = matcher.group(1);
				String with = items(list).contains(this.item) ? list : list + this.separator + this.item;
				matcher.appendReplacement(changed, Matcher.quoteReplacement(
						content.substring(matcher.start(), matcher.start(1)) + with + content.substring(matcher.end(1),
								matcher.end())));
			}
			if (!found) {
				throw new LauncherException("cannot find the list to add " + this.item + " to in " + this.file
						+ "; nothing was changed");
			}
			matcher.appendTail(changed);
			return changed.toString();
		}

		@Override
		public String undo(String content) {
			Matcher matcher = this.line.matcher(content);
			StringBuilder changed = new StringBuilder();
			while (matcher.find()) {
				List<String> items = new ArrayList<>(items(matcher.group(1)));
				items.remove(this.item);
				matcher.appendReplacement(changed, Matcher.quoteReplacement(content.substring(matcher.start(),
						matcher.start(1)) + String.join(this.separator, items) + content.substring(matcher.end(1),
								matcher.end())));
			}
			matcher.appendTail(changed);
			return changed.toString();
		}

		private List<String> items(String list) {
			return List.of(list.split(Pattern.quote(this.separator.trim()) + "\\s*"));
		}

	}

	// Where insertions go, as offsets into a file's content (-1: no such place).

	/** Just after the last line matching {@code line}, within the block {@code within} heads (null: the file). */
	static Function<String, Integer> afterLastLine(Pattern within, Pattern line) {
		return (content) -> {
			List<String> lines = content.lines().toList();
			int last = lastMatching(lines, within, line);
			return (last < 0) ? -1 : offsetOfLine(content, last + 1);
		};
	}

	/** At the start of the first line matching {@code line}. */
	static Function<String, Integer> beforeLine(Pattern line) {
		return (content) -> {
			List<String> lines = content.lines().toList();
			for (int i = 0; i < lines.size(); i++) {
				if (line.matcher(lines.get(i)).matches()) {
					return offsetOfLine(content, i);
				}
			}
			return -1;
		};
	}

	/** At the start of the last line matching {@code above} before the first line matching {@code target}. */
	static Function<String, Integer> beforeLineAbove(Pattern target, Pattern above) {
		return (content) -> {
			List<String> lines = content.lines().toList();
			for (int i = 0; i < lines.size(); i++) {
				if (target.matcher(lines.get(i)).matches()) {
					for (int j = i - 1; j >= 0; j--) {
						if (above.matcher(lines.get(j)).matches()) {
							return offsetOfLine(content, j);
						}
					}
					return -1;
				}
			}
			return -1;
		};
	}

	/**
	 * Before the first line matching {@code line} and the comments and blank lines just above it, which belong to
	 * it: after the entry that precedes it.
	 */
	static Function<String, Integer> beforeCommentedLine(Pattern line) {
		return (content) -> {
			List<String> lines = content.lines().toList();
			for (int i = 0; i < lines.size(); i++) {
				if (line.matcher(lines.get(i)).matches()) {
					int start = i;
					while (start > 0 && (lines.get(start - 1).isBlank() || lines.get(start - 1).trim().startsWith("#"))) {
						start--;
					}
					return offsetOfLine(content, start);
				}
			}
			return -1;
		};
	}

	/**
	 * After the block of the last line matching {@code header} (within the block {@code within} heads; null: the
	 * file): the lines after it that are indented more, or blank and followed by such lines.
	 */
	static Function<String, Integer> afterBlockOfLast(Pattern within, Pattern header) {
		return (content) -> {
			List<String> lines = content.lines().toList();
			int last = lastMatching(lines, within, header);
			return (last < 0) ? -1 : offsetOfLine(content, endOfBlock(lines, last));
		};
	}

	/** Just before {@code closing} that ends the statement {@code start} begins: the end of a Java list. */
	static Function<String, Integer> beforeClosing(Pattern start, String closing) {
		return (content) -> {
			Matcher matcher = start.matcher(content);
			return matcher.find() ? content.indexOf(closing, matcher.end()) : -1;
		};
	}

	/** At the end of the content. */
	static Function<String, Integer> atEnd() {
		return String::length;
	}

	/** The index of the last line matching {@code line} within the block {@code within} heads (null: the file), or -1. */
	private static int lastMatching(List<String> lines, Pattern within, Pattern line) {
		int[] range = block(lines, within);
		int last = -1;
		for (int i = Math.max(range[0], 0); i < range[1]; i++) {
			if (line.matcher(lines.get(i)).matches()) {
				last = i;
			}
		}
		return last;
	}

	/** The lines [from, to) of the block {@code header} heads, or the whole file; [-1, 0) when there is none. */
	private static int[] block(List<String> lines, Pattern header) {
		if (header == null) {
			return new int[] { 0, lines.size() };
		}
		for (int i = 0; i < lines.size(); i++) {
			if (header.matcher(lines.get(i)).matches()) {
				return new int[] { i + 1, endOfBlock(lines, i) };
			}
		}
		return new int[] { -1, 0 };
	}

	private static int endOfBlock(List<String> lines, int header) {
		int indent = indent(lines.get(header));
		int end = header + 1;
		for (int i = header + 1; i < lines.size(); i++) {
			if (lines.get(i).isBlank()) {
				continue;
			}
			if (indent(lines.get(i)) <= indent) {
				break;
			}
			end = i + 1;
		}
		return end;
	}

	private static int indent(String line) {
		int indent = 0;
		while (indent < line.length() && line.charAt(indent) == ' ') {
			indent++;
		}
		return indent;
	}

	private static int offsetOfLine(String content, int line) {
		int offset = 0;
		for (int i = 0; i < line; i++) {
			int next = content.indexOf('\n', offset);
			if (next < 0) {
				return content.length();
			}
			offset = next + 1;
		}
		return offset;
	}

}
