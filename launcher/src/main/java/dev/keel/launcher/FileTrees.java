package dev.keel.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directories the launcher makes and removes whole: caches, the local database, a browser's profile. */
final class FileTrees {

	private FileTrees() {
	}

	/** Deletes the directory and everything in it, if it exists; the first file that cannot be deleted fails it. */
	static void delete(Path directory) throws IOException {
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> files = Files.walk(directory)) {
			for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(file);
			}
		}
	}

}
