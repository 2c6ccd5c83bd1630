package dev.keel.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway with config-repo's routes in front of a real HTTP backend found through simple discovery.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "MANAGEMENT_PORT=0")
@AutoConfigureWebTestClient
class GatewayIT {

	private static HttpServer userService;

	private static final Queue<String> backendPaths = new ConcurrentLinkedQueue<>();

	@Autowired
	private WebTestClient http;

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) throws IOException {
		userService = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		userService.createContext("/", (exchange) -> {
			backendPaths.add(exchange.getRequestURI().getRawPath());
			exchange.getRequestBody().readAllBytes();
			byte[] body = "{\"method\":\"%s\",\"uri\":\"%s\"}"
				.formatted(exchange.getRequestMethod(), exchange.getRequestURI())
				.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		userService.start();
		registry.add("spring.cloud.discovery.client.simple.instances.user-service[0].uri",
				() -> "http://127.0.0.1:" + userService.getAddress().getPort());
	}

	@AfterAll
	static void stopBackend() {
		userService.stop(0);
	}

	@Test
	void routesApiPathsToTheServiceUnchanged() {
		this.http.get()
			.uri("/api/v1/users/42?page=1")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.method")
			.isEqualTo("GET")
			.jsonPath("$.uri")
			.isEqualTo("/api/v1/users/42?page=1");
		this.http.post()
			.uri("/api/v1/users")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.uri")
			.isEqualTo("/api/v1/users");
	}

	/**
	 * Swagger UI at {@code /api/docs} (a relative redirect, right behind any edge) and each service's description at
	 * {@code /api/docs/<service>}, routed to its {@code /v3/api-docs}: public to read, as a person opens them.
	 */
	@Test
	void apiDocsAreAPublicSwaggerUiOverEachServicesDescription() {
		WebTestClient anonymous = WebTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
		anonymous.get()
			.uri("/api/docs")
			.exchange()
			.expectStatus()
			.isFound()
			.expectHeader()
			.valueEquals(HttpHeaders.LOCATION, "/api/docs/swagger-ui/index.html");
		anonymous.get()
			.uri("/api/docs/swagger-ui/index.html")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_HTML);
		anonymous.get()
			.uri("/api/docs/user-service")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.uri")
			.isEqualTo("/v3/api-docs");
		// Reading only: anything else needs a token as everywhere, and so does the gateway's own (empty) description.
		anonymous.post().uri("/api/docs/user-service").exchange().expectStatus().isUnauthorized();
		anonymous.get().uri("/api/docs/swagger").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void unknownPathIsA404Problem() {
		problem(this.http.get().uri("/api/v2/users").exchange(), HttpStatus.NOT_FOUND, "not-found");
		problem(this.http.get().uri("/").exchange(), HttpStatus.NOT_FOUND, "not-found");
	}

	@Test
	void serviceWithoutInstancesIsA503ProblemWithRetryAfter() {
		problem(this.http.get().uri("/api/v1/products").exchange(), HttpStatus.SERVICE_UNAVAILABLE,
				"service-unavailable")
			.consumeWith((result) -> assertThat(result.getResponseHeaders().getFirst("Retry-After")).isNotBlank());
	}

	@Test
	void actuatorIsOnlyOnTheManagementPort() {
		problem(this.http.get().uri("/actuator/health").exchange(), HttpStatus.NOT_FOUND, "not-found");
		WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.managementPort)
			.build()
			.get()
			.uri("/actuator/health/readiness")
			.exchange()
			.expectStatus()
			.isOk();
	}

	/**
	 * Requests sent before the previous answer has gone (pipelined, or a keep-alive request that arrives while the
	 * previous exchange is still ending, as behind Nginx on a busy machine) are answered in order, and the connection
	 * goes on to the next: reactor/reactor-netty#4361 left it unread after a queued request the gateway answered itself.
	 */
	@Test
	void aConnectionGoesOnAfterPipelinedRequestsTheGatewayAnswersItself() throws IOException {
		// The first is proxied, so still under way when the second arrives; the gateway answers the second, without
		// a token, itself and at once.
		String proxied = "GET /api/v1/users/42 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n\r\n"
			.formatted(TestIssuer.get().token("test-user", "users"));
		String refused = "GET /api/v1/users/42 HTTP/1.1\r\nHost: localhost\r\n\r\n";
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			// A deadline for a stalled connection, generous for a slow machine: an answer takes milliseconds.
			socket.setSoTimeout(30_000);
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			for (int round = 1; round <= 3; round++) {
				out.write((proxied + refused).getBytes(StandardCharsets.US_ASCII));
				out.flush();
				assertThat(statusLine(in)).as("round %d, proxied", round).isEqualTo("HTTP/1.1 200 OK");
				assertThat(statusLine(in)).as("round %d, refused", round).isEqualTo("HTTP/1.1 401 Unauthorized");
			}
		}
	}

	/** Reads one answer with a Content-Length and returns its status line. */
	private static String statusLine(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		while (head.indexOf("\r\n\r\n") < 0) {
			int b = in.read();
			assertThat(b).as("an answer, after: " + head).isNotNegative();
			head.append((char) b);
		}
		String[] lines = head.toString().split("\r\n");
		int length = Arrays.stream(lines)
			.filter((line) -> line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
			.mapToInt((line) -> Integer.parseInt(line.substring(line.indexOf(':') + 1).strip()))
			.findFirst()
			.orElseThrow();
		assertThat(in.readNBytes(length)).hasSize(length);
		return lines[0];
	}

	@Test
	void pathsThatABackendWouldResolveElsewhereNeverReachIt() {
		for (String path : new String[] { "/api/v1/users/../../../actuator/env", "/api/v1/users/%2e%2e/%2E%2E/x",
				"/api/v1/users/..%2f..%2factuator", "/api/v1/users/./1", "/api/v1/users//1",
				"/api/v1/users/..;/..;/actuator/env", "/api/v1/users/1;jsessionid=x", "/api/v1/users;x=y/1",
				"/api/v1/users/%252e%252e/actuator", "/api/v1/users/%5c..%5cactuator", "/api/v1/users/%00",
				"/api/v1/users/%0d%0aSet-Cookie:x", "/api/v1/users/%e2%80%a8" }) {
			problem(this.http.get().uri(URI.create("http://127.0.0.1:" + this.port + path)).exchange(),
					HttpStatus.BAD_REQUEST, "bad-request");
		}
		problem(this.http.method(HttpMethod.valueOf("TRACE")).uri("/api/v1/users/1").exchange(), HttpStatus.BAD_REQUEST,
				"bad-request");
		assertThat(backendPaths).as("paths that reached the service (the gateway's readiness probes aside)")
			.filteredOn((path) -> !path.equals("/readyz"))
			.noneMatch((path) -> path.contains("actuator") || path.contains(";") || path.contains("%"));
	}

	@Test
	void aBodyOverTheLimitIsRefusedBeforeItIsReadWhetherItsLengthIsDeclaredOrNot() throws Exception {
		HttpClient client = HttpClient.newHttpClient();
		for (boolean declared : new boolean[] { true, false }) {
			for (String key : new String[] { null, "key-1" }) {
				// Through a route with an instance, so that a body nobody buffers is streamed to it, and cut short.
				HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/v1/users"))
					.header("Authorization", "Bearer " + TestIssuer.get().token("test-user", "users"))
					.header("Content-Type", "application/json")
					.POST(upload(declared, 65 * 1024));
				if (key != null) {
					request.header("Idempotency-Key", key);
				}
				HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
				assertThat(response.statusCode()).as("declared %s, key %s", declared, key).isEqualTo(413);
				assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
				assertThat(response.body()).contains(ProblemErrorHandler.TYPES + "content-too-large").contains("65536");
			}
		}
		this.http.post().uri("/api/v1/users").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"fits\":true}")
			.exchange().expectStatus().isOk();
	}

	@Test
	void twentyConcurrentUploadsOf50MegabytesLeaveTheGatewaysMemoryFlat() throws Exception {
		ByteBufAllocatorMetric direct = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
		MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
		System.gc();
		long directBefore = direct.usedDirectMemory();
		long heapBefore = heap.getHeapMemoryUsage().getUsed();
		AtomicLong directPeak = new AtomicLong(directBefore);
		ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
		sampler.scheduleAtFixedRate(() -> directPeak.accumulateAndGet(direct.usedDirectMemory(), Math::max), 0, 5,
				TimeUnit.MILLISECONDS);
		HttpClient client = HttpClient.newHttpClient();
		List<CompletableFuture<Integer>> uploads = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/v1/users"))
				.header("Authorization", "Bearer " + TestIssuer.get().token("test-user", "users"))
				.header("Content-Type", "application/json")
				.POST(upload(i % 2 == 0, 50L * 1024 * 1024));
			if (i % 4 < 2) {
				request.header("Idempotency-Key", "upload-" + i);
			}
			uploads.add(client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
				.thenApply(HttpResponse::statusCode));
		}
		List<Integer> statuses = new ArrayList<>();
		for (CompletableFuture<Integer> upload : uploads) {
			statuses.add(upload.get(120, TimeUnit.SECONDS));
		}
		sampler.shutdownNow();
		System.gc();
		long heapKept = heap.getHeapMemoryUsage().getUsed() - heapBefore;
		System.out.printf("20 x 50 MB uploads: direct memory peak +%d KiB, heap kept +%d KiB%n",
				(directPeak.get() - directBefore) / 1024, heapKept / 1024);

		assertThat(statuses).as("20 x 50 MB offered").containsOnly(413);
		assertThat(directPeak.get() - directBefore).as("direct memory the uploads took at most, 1000 MB offered")
			.isLessThan(32L * 1024 * 1024);
		assertThat(heapKept).as("heap kept after the uploads").isLessThan(32L * 1024 * 1024);
	}

	/** A JSON-ish body of the given size, made as it is sent (never held in memory), with or without a length. */
	private static HttpRequest.BodyPublisher upload(boolean declared, long size) {
		HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {

			private long left = size;

			@Override
			public int read() {
				return (this.left-- > 0) ? ' ' : -1;
			}

			@Override
			public int read(byte[] buffer, int offset, int length) {
				if (this.left <= 0) {
					return -1;
				}
				int n = (int) Math.min(length, this.left);
				Arrays.fill(buffer, offset, offset + n, (byte) ' ');
				this.left -= n;
				return n;
			}

		});
		return declared ? HttpRequest.BodyPublishers.fromPublisher(stream, size) : stream;
	}

	private static WebTestClient.BodyContentSpec problem(WebTestClient.ResponseSpec response, HttpStatus status,
			String type) {
		return response.expectStatus()
			.isEqualTo(status)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo(ProblemErrorHandler.TYPES + type)
			.jsonPath("$.status")
			.isEqualTo(status.value());
	}

}
