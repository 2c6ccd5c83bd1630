package dev.keel.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * PNG images of two charts of a Gatling report, response time percentiles and responses per second over time,
 * with the benchmark's fault marked on them. Gatling draws its charts in the browser (Highcharts), so a headless
 * Chromium renders them, driven over the DevTools protocol with the JDK's WebSocket client: the launcher holds no
 * library, and Chromium's own {@code --screenshot} can neither mark the fault nor cut one chart out of the page.
 */
final class ReportCharts {

	/** The charts, by the element Gatling draws each into, and the name of its image. */
	private static final Map<String, String> CHARTS = Map.of("ResponseTimeContainerId", "latency",
			"ResponsesContainerId", "responses");

	private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);

	private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

	private ReportCharts() {
	}

	/**
	 * Something that happened during the run: a line at {@code from}, or a band to {@code to}, with its text.
	 */
	record Event(Instant from, Instant to, String text) {

		static Event at(Instant at, String text) {
			return new Event(at, null, text);
		}

		/** The Highcharts plot line or band: the time axis counts milliseconds since the epoch. */
		String mark() {
			return (this.to == null)
					? "{value: %d, color: '#b00020', width: 2, zIndex: 20}".formatted(this.from.toEpochMilli())
					: "{from: %d, to: %d, color: 'rgba(176, 0, 32, 0.12)', zIndex: 0}".formatted(this.from.toEpochMilli(),
							this.to.toEpochMilli());
		}

		/** Where its text goes, and the text (Highcharts reads it as markup, so escaped as such), as a script's array. */
		String label() {
			return "[%d, %s]".formatted(this.from.toEpochMilli(), jsonString(
					this.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")));
		}

	}

	/**
	 * Writes {@code <prefix>-latency.png} and {@code <prefix>-responses.png} into the directory.
	 *
	 * @return the images written
	 */
	static List<Path> write(Path report, List<Event> events, Path directory, String prefix)
			throws IOException, InterruptedException {
		String chromium = Chromium.command();
		if (chromium == null) {
			throw new LauncherException("no Chromium to draw the charts with: install it (Debian: apt install "
					+ "chromium), or name it in KEEL_CHROMIUM");
		}
		Path profile = Files.createTempDirectory("keel-chromium");
		Process browser = null;
		Thread stopOnExit = null;
		try {
			List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--disable-gpu",
					"--hide-scrollbars", "--no-first-run", "--disable-breakpad", "--disable-crash-reporter",
					"--disable-dev-shm-usage", "--remote-debugging-port=0", "--user-data-dir=" + profile,
					"--window-size=1400,1000"));
			if ("root".equals(System.getProperty("user.name"))) {
				// Chromium refuses to run as root inside its sandbox; it only opens a local file here.
				command.add("--no-sandbox");
			}
			command.add("about:blank");
			browser = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
			Process started = browser;
			// Ctrl-C on the benchmark stops Chromium too.
			stopOnExit = new Thread(() -> stop(started), "chromium-stop");
			Runtime.getRuntime().addShutdownHook(stopOnExit);
			try (DevTools page = DevTools.connect(page(browser))) {
				return capture(page, report.resolve("index.html"), events, directory, prefix);
			}
		}
		finally {
			if (browser != null) {
				Runtime.getRuntime().removeShutdownHook(stopOnExit);
				stop(browser);
			}
			try {
				FileTrees.delete(profile);
			}
			catch (IOException ex) {
				System.out.println("could not delete Chromium's profile " + profile + ": " + ex.getMessage());
			}
		}
	}

	private static void stop(Process browser) {
		browser.descendants().forEach(ProcessHandle::destroyForcibly);
		browser.destroyForcibly();
		try {
			browser.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static List<Path> capture(DevTools page, Path index, List<Event> events, Path directory, String prefix)
			throws IOException {
		page.call("Page.enable", "{}");
		// Gatling draws its charts when the document is ready; Highcharts would animate them in, and a picture taken
		// meanwhile would catch them half drawn.
		page.call("Page.addScriptToEvaluateOnNewDocument", "{\"source\": %s}".formatted(jsonString("""
				document.addEventListener('DOMContentLoaded', () => Highcharts.setOptions({
				  chart: {animation: false}, plotOptions: {series: {animation: false}}}));""")));
		CompletableFuture<String> loaded = page.next("Page.loadEventFired");
		page.call("Page.navigate", "{\"url\": %s}".formatted(jsonString(index.toUri().toString())));
		page.await(loaded);
		String marks = events.stream().filter((event) -> event.to() == null).map(Event::mark)
			.collect(Collectors.joining(", ", "[", "]"));
		String bands = events.stream().filter((event) -> event.to() != null).map(Event::mark)
			.collect(Collectors.joining(", ", "[", "]"));
		String labels = events.stream().map(Event::label)
			.collect(Collectors.joining(", ", "[", "]"));
		List<Path> written = new ArrayList<>();
		Files.createDirectories(directory);
		for (Map.Entry<String, String> chart : CHARTS.entrySet()) {
			String script = """
					(() => {
					  const chart = Highcharts.charts.find((c) => c && c.renderTo.id === '%s');
					  const axis = chart.xAxis[0];
					  %s.forEach((line) => axis.addPlotLine(line));
					  %s.forEach((band) => axis.addPlotBand(band));
					  // Written on the chart, not as the lines' labels: this old Highstock draws none for a stock chart.
					  %s.forEach(([at, text], i) => chart.renderer.label(text, axis.toPixels(at) + 3,
					      chart.plotTop + 2 + 18 * (i %% 2), null, null, null, false, false, 'keel-event')
					    .css({color: '#b00020', fontSize: '12px'})
					    .attr({fill: 'rgba(255, 255, 255, 0.85)', padding: 2, zIndex: 30})
					    .add());
					  // The report scrolls inside an element, not the page (smoothly, unless told): brought into the
					  // window, then cut out of it once a frame shows it there.
					  chart.renderTo.scrollIntoView({behavior: 'instant', block: 'start'});
					  const box = chart.renderTo.getBoundingClientRect();
					  return new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(
					    () => painted([box.left, box.top, box.width, box.height].join(' ')))));
					})()""".formatted(chart.getKey(), marks, bands, labels);
			String result = page.call("Runtime.evaluate",
					"{\"expression\": %s, \"returnByValue\": true, \"awaitPromise\": true}".formatted(jsonString(script)));
			Matcher box = Pattern.compile("\"value\":\"([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+)\"").matcher(result);
			if (!box.find()) {
				throw new LauncherException("no " + chart.getKey() + " chart in " + index + ": " + result);
			}
			String shot = page.call("Page.captureScreenshot", ("{\"format\": \"png\", "
					+ "\"clip\": {\"x\": %s, \"y\": %s, \"width\": %s, \"height\": %s, \"scale\": 1}}")
				.formatted(box.group(1), box.group(2), box.group(3), box.group(4)));
			Matcher data = Pattern.compile("\"data\":\"([^\"]+)\"").matcher(shot);
			if (!data.find()) {
				throw new LauncherException("Chromium took no picture of " + chart.getKey());
			}
			Path image = directory.resolve(prefix + "-" + chart.getValue() + ".png");
			Files.write(image, Base64.getDecoder().decode(data.group(1)));
			written.add(image);
		}
		return written;
	}

	/** The DevTools address of the browser's one page, once Chromium says where it listens. */
	private static URI page(Process browser) throws IOException, InterruptedException {
		BufferedReader errors = new BufferedReader(new InputStreamReader(browser.getErrorStream(), StandardCharsets.UTF_8));
		CompletableFuture<String> endpoint = new CompletableFuture<>();
		// Read on a thread of its own, so that a Chromium that never says is waited for STEP_TIMEOUT at most; the
		// rest of its chatter is drained, so that a full pipe never stalls it.
		Thread reader = new Thread(() -> {
			try {
				String line;
				while ((line = errors.readLine()) != null) {
					Matcher listening = LISTENING.matcher(line);
					if (listening.find()) {
						endpoint.complete(listening.group(1));
					}
				}
			}
			catch (IOException ex) {
				// Chromium ended: nothing more to read.
			}
			endpoint.completeExceptionally(new LauncherException("Chromium ended without listening"));
		}, "chromium-stderr");
		reader.setDaemon(true);
		reader.start();
		URI browserEndpoint;
		try {
			browserEndpoint = URI.create(endpoint.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new LauncherException("Chromium did not start: " + ex.getMessage());
		}
		String targets = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://" + browserEndpoint.getAuthority() + "/json/list"))
				.timeout(STEP_TIMEOUT)
				.build(), HttpResponse.BodyHandlers.ofString())
			.body();
		Matcher page = Pattern.compile("\"type\":\\s*\"page\"[^}]*?\"webSocketDebuggerUrl\":\\s*\"([^\"]+)\"")
			.matcher(targets);
		if (!page.find()) {
			throw new LauncherException("Chromium lists no page: " + targets);
		}
		return URI.create(page.group(1));
	}

	/** A JSON string, which is also a script's string literal. */
	static String jsonString(String text) {
		StringBuilder json = new StringBuilder("\"");
		for (char c : text.toCharArray()) {
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				default -> {
					if (c < 0x20 || c == '\u2028' || c == '\u2029') {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		return json.append('"').toString();
	}

	/** One page's DevTools session: calls answered by id, and the events a call waits for. */
	private static final class DevTools implements WebSocket.Listener, AutoCloseable {

		private final AtomicInteger ids = new AtomicInteger();

		private final Map<Integer, CompletableFuture<String>> calls = new ConcurrentHashMap<>();

		private final Map<String, CompletableFuture<String>> awaited = new ConcurrentHashMap<>();

		private final StringBuilder message = new StringBuilder();

		private WebSocket socket;

		static DevTools connect(URI page) {
			DevTools devTools = new DevTools();
			devTools.socket = HttpClient.newHttpClient().newWebSocketBuilder()
				.buildAsync(page, devTools)
				.orTimeout(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
				.join();
			return devTools;
		}

		/** Calls a method and returns the whole answer; an answer with an error fails. */
		String call(String method, String params) {
			int id = this.ids.incrementAndGet();
			CompletableFuture<String> answer = new CompletableFuture<>();
			this.calls.put(id, answer);
			await(this.socket.sendText("{\"id\": %d, \"method\": \"%s\", \"params\": %s}".formatted(id, method, params),
					true));
			String result = await(answer);
			if (result.contains("\"error\":")) {
				throw new LauncherException("Chromium refused " + method + ": " + result);
			}
			return result;
		}

		/** The next event of that name, to be awaited after the call that causes it. */
		CompletableFuture<String> next(String event) {
			return this.awaited.computeIfAbsent(event, (name) -> new CompletableFuture<>());
		}

		<T> T await(CompletableFuture<T> future) {
			try {
				return future.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			}
			catch (ExecutionException | TimeoutException ex) {
				throw new LauncherException("Chromium did not answer in time: " + ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new LauncherException("interrupted");
			}
		}

		@Override
		public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
			this.message.append(data);
			if (last) {
				String text = this.message.toString();
				this.message.setLength(0);
				Matcher id = Pattern.compile("^\\{\"id\":(\\d+),").matcher(text);
				if (id.find()) {
					CompletableFuture<String> call = this.calls.remove(Integer.parseInt(id.group(1)));
					if (call != null) {
						call.complete(text);
					}
				}
				else {
					Matcher method = Pattern.compile("^\\{\"method\":\"([^\"]+)\"").matcher(text);
					if (method.find()) {
						CompletableFuture<String> event = this.awaited.remove(method.group(1));
						if (event != null) {
							event.complete(text);
						}
					}
				}
			}
			webSocket.request(1);
			return null;
		}

		@Override
		public void onError(WebSocket webSocket, Throwable error) {
			this.calls.values().forEach((call) -> call.completeExceptionally(error));
		}

		@Override
		public void close() {
			this.socket.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(5, TimeUnit.SECONDS).exceptionally((ex) -> null)
				.join();
		}

	}

}
