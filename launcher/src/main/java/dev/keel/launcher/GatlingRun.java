package dev.keel.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Gatling simulation of {@code load-tests/}, run by {@code ./mvnw gatling:test} beside the benchmark that does
 * the fault, and ended by it. The launcher holds no library (it is compiled with javac alone), so Gatling runs in
 * its own JVM: it sends the load and writes the HTML report; the simulation also writes its answers by status,
 * which the benchmark checks its invariants against.
 */
final class GatlingRun {

	/** A first run on a fresh clone downloads Gatling and compiles the simulations before it sends anything. */
	private static final Duration START_TIMEOUT = Duration.ofMinutes(10);

	private final Process maven;

	private final Path directory;

	private final List<String> output = Collections.synchronizedList(new ArrayList<>());

	private final CompletableFuture<Void> started = new CompletableFuture<>();

	private final Thread reader = new Thread(this::read, "gatling-output");

	/** Ctrl-C on the benchmark ends the load too, rather than leave it to run out its bound. */
	private final Thread stopOnExit = new Thread(this::killTree, "gatling-kill");

	private GatlingRun(Process maven, Path directory) {
		this.maven = maven;
		this.directory = directory;
		this.reader.setDaemon(true);
		this.reader.start();
	}

	/**
	 * Starts the simulation and returns once it sends load.
	 *
	 * @param state the state directory: Gatling's reports go to its {@code gatling/}
	 * @param properties the simulation's {@code keel.*} system properties
	 * @param token the access token it sends, handed over in its environment rather than on a command line
	 */
	static GatlingRun start(Path root, Path state, String simulation, Map<String, String> properties, String token)
			throws IOException, InterruptedException {
		Path reports = Files.createDirectories(state.resolve("gatling"));
		Path directory = Files.createTempDirectory(reports, "run-");
		List<String> command = new ArrayList<>(List.of(Processes.mavenWrapper(root), "-q", "-B", "-f",
				root.resolve("load-tests/pom.xml").toString(), "test-compile", "gatling:test",
				"-Dgatling.simulationClass=dev.keel.load." + simulation, "-Dkeel.results=" + reports,
				"-Dkeel.run-directory=" + directory));
		properties.forEach((name, value) -> command.add("-Dkeel." + name + "=" + value));
		ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
		builder.environment().put("KEEL_TOKEN", token);
		GatlingRun run = new GatlingRun(builder.start(), directory);
		Runtime.getRuntime().addShutdownHook(run.stopOnExit);
		try {
			run.started.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (ExecutionException | TimeoutException ex) {
			run.kill();
			run.reader.join(TimeUnit.SECONDS.toMillis(10));
			throw new LauncherException("Gatling did not start " + simulation + ": " + run.tail());
		}
		System.out.println("Gatling runs " + simulation + " (its summary follows at the end)");
		return run;
	}

	/** Starts one simulation against the running platform with these {@code keel.*} properties. */
	interface Starter {

		GatlingRun start(Map<String, String> properties) throws IOException, InterruptedException;

	}

	/**
	 * Ends a load that runs until told (the requests in flight are answered first), waits for the report, and
	 * prints Gatling's summary of the run.
	 */
	Result stop() throws IOException, InterruptedException {
		if (!this.maven.isAlive()) {
			kill();
			throw new LauncherException("Gatling's load ended before the benchmark told it to (at its bound, or it "
					+ "failed): " + tail());
		}
		Files.createFile(this.directory.resolve("stop"));
		// The client timeout of the last requests (20 s), then the report.
		return finish(Duration.ofMinutes(3));
	}

	/**
	 * Waits for a load that ends by itself, and its report, and prints Gatling's summary of the run.
	 *
	 * @param timeout how long the load may still run
	 */
	Result finish(Duration timeout) throws IOException, InterruptedException {
		if (!this.maven.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
			kill();
			throw new LauncherException("Gatling did not end within " + timeout.toMinutes() + " minutes");
		}
		Runtime.getRuntime().removeShutdownHook(this.stopOnExit);
		// Its last lines, the summary and the report's path, may still be in the pipe when it has ended.
		this.reader.join(TimeUnit.MINUTES.toMillis(1));
		List<String> lines = List.copyOf(this.output);
		int summary = lines.indexOf(lines.stream().filter((line) -> line.contains("Global Information")).findFirst()
			.orElse(""));
		if (summary > 0) {
			lines.subList(summary - 1, lines.size()).forEach(System.out::println);
		}
		if (this.maven.exitValue() != 0) {
			throw new LauncherException("Gatling failed (exit " + this.maven.exitValue() + "): " + tail());
		}
		Path report = lines.stream()
			.filter((line) -> line.startsWith("Reports generated"))
			.map((line) -> Path.of(java.net.URI.create(line.substring(line.lastIndexOf("file:")))).getParent())
			.findFirst()
			.orElseThrow(() -> new LauncherException("Gatling wrote no report: " + tail()));
		Map<String, List<String>> counted = new LinkedHashMap<>();
		try (var files = Files.list(this.directory)) {
			for (Path file : files.toList()) {
				counted.put(file.getFileName().toString(), Files.readAllLines(file));
				Files.delete(file);
			}
		}
		Files.delete(this.directory);
		if (!counted.containsKey("answers")) {
			throw new LauncherException("the simulation wrote no answers: " + tail());
		}
		return new Result(report, answers(counted.get("answers")), global(lines), counted);
	}

	/**
	 * Gatling's figures of the whole run, from its summary: "response time 99th percentile (ms)" to its value for
	 * all requests, answered or not.
	 */
	static Map<String, String> global(List<String> lines) {
		Map<String, String> figures = new LinkedHashMap<>();
		boolean global = false;
		for (String line : lines) {
			global = (global || line.contains("Global Information")) && !line.contains("Response Time Distribution");
			String[] columns = line.split("\\|");
			if (global && line.startsWith("> ") && columns.length >= 2) {
				figures.put(columns[0].substring(2).trim(), columns[1].trim().replace(",", ""));
			}
		}
		return figures;
	}

	/** "201 place order 37" lines: by request, then status ("none": no answer), the count. */
	static Map<String, Map<String, Long>> answers(List<String> lines) {
		Map<String, Map<String, Long>> answers = new LinkedHashMap<>();
		for (String line : lines) {
			int first = line.indexOf(' ');
			int last = line.lastIndexOf(' ');
			if (first > 0 && last > first) {
				answers.computeIfAbsent(line.substring(first + 1, last), (request) -> new LinkedHashMap<>())
					.put(line.substring(0, first), Long.parseLong(line.substring(last + 1)));
			}
		}
		return answers;
	}

	/** Maven and the JVM it forked for Gatling, when the benchmark fails or is interrupted meanwhile. */
	void kill() {
		Runtime.getRuntime().removeShutdownHook(this.stopOnExit);
		killTree();
	}

	private void killTree() {
		this.maven.descendants().forEach(ProcessHandle::destroyForcibly);
		this.maven.destroyForcibly();
	}

	private void read() {
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(this.maven.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				this.output.add(line);
				if (line.startsWith("Simulation ") && line.endsWith(" started...")) {
					this.started.complete(null);
				}
			}
		}
		catch (IOException ex) {
			this.started.completeExceptionally(new UncheckedIOException(ex));
		}
		this.started.completeExceptionally(new IllegalStateException("Gatling ended before it started"));
	}

	private String tail() {
		List<String> lines = List.copyOf(this.output);
		return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
	}

	/**
	 * @param report the directory of Gatling's HTML report
	 * @param answers by request name, then status ("none": no answer), how many
	 * @param global Gatling's figures of the whole run, by the name its summary gives them
	 * @param counted what the simulation wrote, by file name, in lines ({@code answers}, and its own)
	 */
	record Result(Path report, Map<String, Map<String, Long>> answers, Map<String, String> global,
			Map<String, List<String>> counted) {

		/** One of Gatling's figures of the run, as a number. */
		double figure(String name) {
			String value = this.global.get(name);
			if (value == null) {
				throw new LauncherException("Gatling's summary has no '" + name + "': " + this.global.keySet());
			}
			return Double.parseDouble(value);
		}

		long count(String request, String status) {
			return this.answers.getOrDefault(request, Map.of()).getOrDefault(status, 0L);
		}

		long total(String request) {
			return this.answers.getOrDefault(request, Map.of()).values().stream().mapToLong(Long::longValue).sum();
		}

		/** Requests of that name without an answer, or answered with a status outside the expected one. */
		long failed(String request, String expected) {
			return this.answers.getOrDefault(request, Map.of())
				.entrySet()
				.stream()
				.filter((entry) -> !entry.getKey().equals(expected))
				.mapToLong(Map.Entry::getValue)
				.sum();
		}

	}

}
