package dev.keel.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import com.sun.tools.attach.VirtualMachine;

/**
 * {@code ./platform bench profile}'s tools: async-profiler (from Maven Central, through the project's Maven wrapper,
 * so a mirror in the user's Maven settings applies), attached to a running JVM, and its stacks read by library.
 * <p>
 * Why a flame graph of our own, by library: the gateway's stacks are 150 frames deep on average and up to 500
 * (reactive operators nest), so async-profiler's own flame graph is a few thin spires in an image; folded into the
 * library each frame belongs to, a stack is 30-50 levels and shows which layers call which, and how much each costs.
 * async-profiler's interactive graph is written beside it, for the frames themselves.
 */
final class GatewayProfile {

	static final String ASYNC_PROFILER = "tools.profiler:async-profiler:4.2";

	/**
	 * Each frame's library, by class name prefix as async-profiler writes it (with slashes), the first that matches;
	 * JDK and JVM frames belong to their caller.
	 * Context propagation comes before Reactor, whose {@code ContextPropagation} class it is.
	 */
	static final Map<String, List<String>> LIBRARIES = libraries();

	/** What a stack with no library frame is (garbage collection, the compiler, the JVM's own threads). */
	static final String JVM = "JVM";

	private GatewayProfile() {
	}

	private static Map<String, List<String>> libraries() {
		Map<String, List<String>> libraries = new LinkedHashMap<>();
		libraries.put("keel", List.of("dev/keel/"));
		libraries.put("JWT", List.of("com/nimbusds/"));
		libraries.put("Spring Security", List.of("org/springframework/security/"));
		libraries.put("Spring Cloud Gateway", List.of("org/springframework/cloud/"));
		libraries.put("Spring web", List.of("org/springframework/web/", "org/springframework/http/"));
		libraries.put("Spring, other", List.of("org/springframework/"));
		libraries.put("context propagation",
				List.of("io/micrometer/context/", "reactor/core/publisher/ContextPropagation"));
		libraries.put("tracing", List.of("io/micrometer/tracing/", "io/opentelemetry/"));
		libraries.put("observation", List.of("io/micrometer/observation/"));
		libraries.put("metrics", List.of("io/micrometer/", "org/HdrHistogram/"));
		libraries.put("logging", List.of("ch/qos/logback/", "org/slf4j/"));
		libraries.put("Reactor Netty", List.of("reactor/netty/"));
		libraries.put("Reactor", List.of("reactor/"));
		libraries.put("Netty", List.of("io/netty/"));
		libraries.put("Resilience4j, Bucket4j, Caffeine",
				List.of("io/github/resilience4j/", "io/github/bucket4j/", "com/github/benmanes/"));
		libraries.put("Jackson", List.of("com/fasterxml/jackson/", "tools/jackson/"));
		return libraries;
	}

	/** The native library for this machine, fetched and unpacked into {@code tools} the first time. */
	static Path agent(Path root, Path tools) {
		String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
		String arch = System.getProperty("os.arch");
		String platform = os.contains("mac") ? "macos"
				: !os.contains("linux") ? null
				: arch.equals("amd64") || arch.equals("x86_64") ? "linux-x64"
				: arch.equals("aarch64") ? "linux-arm64" : null;
		if (platform == null) {
			throw new LauncherException("async-profiler runs on Linux (x64, arm64) and macOS, not " + os + " " + arch);
		}
		String version = ASYNC_PROFILER.substring(ASYNC_PROFILER.lastIndexOf(':') + 1);
		Path agent = tools.resolve("async-profiler-" + version).resolve(platform).resolve("libasyncProfiler.so");
		if (Files.isRegularFile(agent)) {
			return agent;
		}
		Path jar = tools.resolve("async-profiler-" + version + ".jar");
		try {
			if (!Files.isRegularFile(jar)) {
				// -N: the project's modules need not be visited to copy one artifact.
				Process maven = new ProcessBuilder(Processes.mavenWrapper(root), "-q", "-B", "-N", "dependency:copy",
						"-Dartifact=" + ASYNC_PROFILER, "-DoutputDirectory=" + tools)
					.directory(root.toFile())
					.inheritIO()
					.start();
				if (maven.waitFor() != 0 || !Files.isRegularFile(jar)) {
					throw new LauncherException("could not fetch " + ASYNC_PROFILER + " with ./mvnw dependency:copy");
				}
			}
			try (ZipFile zip = new ZipFile(jar.toFile())) {
				ZipEntry entry = zip.getEntry(platform + "/libasyncProfiler.so");
				if (entry == null) {
					throw new LauncherException(jar + " holds no " + platform + "/libasyncProfiler.so");
				}
				Files.createDirectories(agent.getParent());
				Path partial = Files.createTempFile(agent.getParent(), "libasyncProfiler", ".part");
				try (InputStream in = zip.getInputStream(entry)) {
					Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
					Files.move(partial, agent, StandardCopyOption.ATOMIC_MOVE);
				}
				finally {
					Files.deleteIfExists(partial);
				}
			}
			return agent;
		}
		catch (IOException ex) {
			throw new LauncherException("could not unpack async-profiler: " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted while fetching async-profiler");
		}
	}

	/** Sends async-profiler a command (start, dump, stop) in the JVM of {@code pid}, loading it the first time. */
	static void command(long pid, Path agent, String command) {
		try {
			VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
			try {
				vm.loadAgentPath(agent.toString(), command);
			}
			finally {
				vm.detach();
			}
		}
		catch (Exception ex) {
			throw new LauncherException("async-profiler's '" + command + "' in process " + pid + " failed (its log "
					+ "says why): " + ex);
		}
	}

	/** The library a frame of async-profiler's collapsed output belongs to, if any. */
	static String library(String frame) {
		for (Map.Entry<String, List<String>> library : LIBRARIES.entrySet()) {
			for (String prefix : library.getValue()) {
				if (frame.startsWith(prefix)) {
					return library.getKey();
				}
			}
		}
		return null;
	}

	/**
	 * Collapsed stacks ({@code frame;frame;... count}, root first) folded by library: each stack becomes the
	 * libraries it passes through, a library once for each run of its frames.
	 */
	static Map<List<String>, Long> byLibrary(Stream<String> collapsed) {
		Map<List<String>, Long> stacks = new LinkedHashMap<>();
		collapsed.map(String::stripTrailing).forEach((line) -> {
			int space = line.lastIndexOf(' ');
			String count = line.substring(space + 1);
			if (space <= 0 || count.isEmpty() || !count.chars().allMatch(Character::isDigit)) {
				return; // not a stack: async-profiler writes nothing else, but a truncated file may end so
			}
			long samples = Long.parseLong(count);
			List<String> libraries = new ArrayList<>();
			for (String frame : line.substring(0, space).split(";")) {
				String library = library(frame);
				if (library != null && (libraries.isEmpty() || !libraries.get(libraries.size() - 1).equals(library))) {
					libraries.add(library);
				}
			}
			if (libraries.isEmpty()) {
				libraries.add(JVM);
			}
			stacks.merge(List.copyOf(libraries), samples, Long::sum);
		});
		return stacks;
	}

	/** Each library's share of the samples where it was running itself (or the JDK for it), largest first. */
	static List<Map.Entry<String, Double>> shares(Map<List<String>, Long> stacks) {
		Map<String, Long> own = new LinkedHashMap<>();
		stacks.forEach((stack, samples) -> own.merge(stack.get(stack.size() - 1), samples, Long::sum));
		double total = own.values().stream().mapToLong(Long::longValue).sum();
		return own.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.map((entry) -> Map.entry(entry.getKey(), entry.getValue() / total))
			.toList();
	}

	/** A flame graph of the folded stacks: root at the bottom, width by samples, each library in its own colour. */
	static String svg(Map<List<String>, Long> stacks, String title) {
		Node root = new Node("all");
		stacks.forEach((stack, samples) -> {
			Node node = root;
			node.samples += samples;
			for (String library : stack) {
				node = node.children.computeIfAbsent(library, Node::new);
				node.samples += samples;
			}
		});
		int width = 1200;
		int row = 17;
		int depth = root.depth();
		int height = (depth + 1) * row + 30;
		StringBuilder svg = new StringBuilder();
		svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
				+ "font-family=\"Verdana, sans-serif\" font-size=\"11\">%n", width, height));
		svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#fdfdf6\"/>%n", width, height));
		svg.append(String.format(Locale.ROOT,
				"<text x=\"%d\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">%s</text>%n", width / 2,
				escape(title)));
		root.draw(svg, 0, width, height - row, row, root.samples);
		return svg.append("</svg>\n").toString();
	}

	private static String escape(String text) {
		return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
	}

	/** One library at one depth of the graph; children by name, so that two graphs lay out alike. */
	private static final class Node {

		private static final List<String> ORDER = List.copyOf(LIBRARIES.keySet());

		final String name;

		final Map<String, Node> children = new TreeMap<>();

		long samples;

		Node(String name) {
			this.name = name;
		}

		int depth() {
			return 1 + this.children.values().stream().mapToInt(Node::depth).max().orElse(0);
		}

		void draw(StringBuilder svg, double x, double width, int y, int row, long total) {
			svg.append(String.format(Locale.ROOT,
					"<g><title>%s: %.1f %%</title><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
							+ "stroke=\"#fdfdf6\" stroke-width=\"0.5\"/>",
					escape(this.name), 100.0 * this.samples / total, x, y, width, row - 1, colour(this.name)));
			int fits = (int) ((width - 6) / 7);
			if (fits >= 3) {
				String label = (this.name.length() <= fits) ? this.name : this.name.substring(0, fits - 2) + "..";
				svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>", x + 3, y + row - 5,
						escape(label)));
			}
			svg.append("</g>\n");
			double childX = x;
			for (Node child : this.children.values()) {
				double childWidth = width * child.samples / this.samples;
				if (childWidth >= 0.3) {
					child.draw(svg, childX, childWidth, y - row, row, total);
				}
				childX += childWidth;
			}
		}

		/** A colour per library, the same in every graph, far apart on the colour wheel from its neighbours. */
		private static String colour(String name) {
			int index = ORDER.indexOf(name) + 1;
			if (index == 0) {
				return "hsl(0, 0%, 82%)";
			}
			return String.format(Locale.ROOT, "hsl(%d, 65%%, %d%%)", (index * 137) % 360, 72 + (index % 2) * 8);
		}

	}

}
