package dev.keel.system;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The edge (Nginx) in front of two gateways, as ./platform up --gateways 2 runs it: HTTPS from the local CA, TLS
 * 1.2 and 1.3 only, compression, the limits a hostile client meets, the access log, and no failed request when a
 * gateway is SIGKILLed or all are restarted one by one under load. It kills and restarts gateways, and leaves both
 * running.
 */
@Order(6)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EdgeIT {

	private static final String PROBLEMS = "https://keel.dev/problems/";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@RegisterExtension
	static final Platform platform = Platform.platform;

	private static final Http gateway = platform.gatewayAs("alice");

	private static Path ca;

	private static long userId;

	/** The products with the most stock, taken in turn, so that no order is refused for stock. */
	private static List<String> skus;

	@BeforeAll
	static void caAndUser() {
		Platform.Result result = platform.run(60, "ca");
		assertThat(result.exitCode()).as(result.output()).isZero();
		ca = Path.of(result.output().strip().lines().reduce((first, last) -> last).orElseThrow());
		userId = gateway.post("/api/v1/users", "{\"email\":\"edge-%s@example.com\",\"name\":\"Edge\"}"
			.formatted(UUID.randomUUID())).json().get("id").asLong();
		skus = platform.mostStockedSkus(3);
	}

	@Test
	@Order(1)
	void httpsWithACertificateFromTheLocalCaForEveryLocalName() throws Exception {
		HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(ca)).build();
		for (String host : List.of("localhost", "127.0.0.1")) {
			HttpResponse<String> products = trusting.send(
					HttpRequest.newBuilder(URI.create("https://" + host + ":" + Platform.HTTPS_PORT + "/api/v1/products?size=1"))
						.timeout(Duration.ofSeconds(30))
						.build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(products.statusCode()).as(host).isEqualTo(200);
			assertThat(JSON.readTree(products.body()).get("content")).isNotEmpty();
		}
		X509Certificate served;
		try (SSLSocket socket = (SSLSocket) trusting(ca).getSocketFactory().createSocket("localhost", Platform.HTTPS_PORT)) {
			socket.startHandshake();
			served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
		}
		X509Certificate authority = certificate(ca);
		served.verify(authority.getPublicKey());
		assertThat(served.getIssuerX500Principal()).isEqualTo(authority.getSubjectX500Principal());
		assertThat(served.getSubjectAlternativeNames()).extracting((name) -> String.valueOf(name.get(1)))
			.contains("localhost", "127.0.0.1");
		assertThat(served.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
		assertThat(served.getBasicConstraints()).as("not a CA").isEqualTo(-1);
		assertThat(Duration.between(served.getNotBefore().toInstant(), served.getNotAfter().toInstant()))
			.as("what browsers accept").isLessThanOrEqualTo(Duration.ofDays(398));

		// A client that trusts only the usual authorities refuses the local one.
		HttpClient usual = HttpClient.newHttpClient();
		assertThatExceptionOfType(SSLHandshakeException.class).isThrownBy(() -> usual.send(
				HttpRequest.newBuilder(URI.create("https://localhost:" + Platform.HTTPS_PORT + "/api/v1/products")).build(),
				HttpResponse.BodyHandlers.discarding()));
	}

	@Test
	@Order(2)
	void onlyTls12And13WithForwardSecretAeadCiphers() throws Exception {
		for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
			try (SSLSocket socket = (SSLSocket) trusting(ca).getSocketFactory().createSocket("localhost", Platform.HTTPS_PORT)) {
				socket.setEnabledProtocols(new String[] { protocol });
				socket.startHandshake();
				assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
				assertThat(socket.getSession().getCipherSuite()).as(protocol).matches(protocol.equals("TLSv1.3")
						? "TLS_(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305)_SHA\\d+"
						: "TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305)_SHA\\d+");
			}
		}
		// CBC without forward secrecy, and protocols older than 1.2 (which the JDK will not even offer), are refused
		// by the edge itself: OpenSSL's client, told to offer them, gets the edge's alert.
		assertThat(openSsl("-tls1_2", "-cipher", "AES128-SHA:AES256-SHA")).contains("alert handshake failure");
		assertThat(openSsl("-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0")).contains("alert protocol version");
		assertThat(openSsl("-tls1", "-cipher", "DEFAULT:@SECLEVEL=0")).contains("alert protocol version");
		// Plain HTTP to the HTTPS port: a problem, not Nginx's page.
		problem(RawHttp.send(Platform.HTTPS_PORT, "GET /api/v1/products HTTP/1.1\r\nHost: keel\r\n\r\n"
			.getBytes(StandardCharsets.US_ASCII), false), 400, "bad-request");
	}

	@Test
	@Order(3)
	void largeJsonAnswersAreGzippedOnceForClientsThatAcceptItSmallOnesAreNot() throws Exception {
		// A page of orders of 1 KB or more.
		for (int i = 0; i < 8; i++) {
			Http.Response placed = gateway.post("/api/v1/orders", order(i), "Idempotency-Key", UUID.randomUUID().toString());
			assertThat(placed.status()).as(placed.toString()).isEqualTo(201);
		}
		String page = "/api/v1/orders?size=100&userId=" + userId;
		HttpClient client = HttpClient.newHttpClient();
		HttpResponse<String> plain = client.send(authorized(platform.gateway() + page).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
		assertThat(plain.body().length()).isGreaterThanOrEqualTo(1024);

		// Through the edge, and from a gateway on its own (run without an edge): compressed once, the same JSON.
		for (String base : List.of(platform.gateway(), platform.instance("gateway-service", 1))) {
			HttpResponse<byte[]> gzipped = client.send(authorized(base + page).header("Accept-Encoding", "gzip").build(),
					HttpResponse.BodyHandlers.ofByteArray());
			assertThat(gzipped.statusCode()).as(base).isEqualTo(200);
			assertThat(gzipped.headers().firstValue("Content-Encoding")).as(base).hasValue("gzip");
			assertThat(gzipped.headers().allValues("Vary").toString()).as(base).contains("Accept-Encoding");
			String body = gunzip(gzipped.body());
			assertThat(JSON.readTree(body).get("totalElements")).isEqualTo(JSON.readTree(plain.body()).get("totalElements"));
			assertThat(gzipped.body().length).as(base).isLessThan(plain.body().length() / 2);
		}
		// Below 1 KB: not worth it.
		HttpResponse<byte[]> small = client.send(HttpRequest.newBuilder(URI.create(platform.gateway()
				+ "/api/v1/products/KB-001")).header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(small.statusCode()).isEqualTo(200);
		assertThat(small.headers().firstValue("Content-Encoding")).isEmpty();
	}

	@Test
	@Order(4)
	void bodiesAndHeadersTooLargeGetTheEdgesProblem() {
		byte[] body = ("{\"email\":\"" + "a".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
		RawHttp.Answer tooLarge = RawHttp.send(Platform.GATEWAY_PORT, ("POST /api/v1/users HTTP/1.1\r\nHost: keel\r\n"
				+ "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n" + new String(body,
						StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8), false);
		problem(tooLarge, 413, "content-too-large");

		RawHttp.Answer headers = RawHttp.send(Platform.GATEWAY_PORT, ("GET /api/v1/products HTTP/1.1\r\nHost: keel\r\n"
				+ "X-Big: " + "a".repeat(9_000) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8), false);
		problem(headers, 431, "request-header-fields-too-large");

		// A keyed POST takes the edge's other way to the gateways (it may be sent to a second one): the same
		// problems there, for a chunked body found too large only as it comes.
		String chunk = "a".repeat(0x8000);
		RawHttp.Answer chunked = RawHttp.send(Platform.GATEWAY_PORT, ("POST /api/v1/orders HTTP/1.1\r\nHost: keel\r\n"
				+ "Content-Type: application/json\r\nIdempotency-Key: " + UUID.randomUUID() + "\r\n"
				+ "Transfer-Encoding: chunked\r\n\r\n" + ("8000\r\n" + chunk + "\r\n").repeat(3) + "0\r\n\r\n")
			.getBytes(StandardCharsets.UTF_8), false);
		problem(chunked, 413, "content-too-large");
	}

	@Test
	@Order(5)
	void aClientTooSlowToSendItsRequestIsDisconnectedWhileOthersAreServed() throws Exception {
		// Slowloris: headers never finished, or a body that stops coming. The edge waits 10 s for each, then closes
		// (Nginx sends no answer to a client that has stopped sending); requests from others go on meanwhile.
		try (Socket headers = new Socket(InetAddress.getLoopbackAddress(), Platform.GATEWAY_PORT);
				Socket body = new Socket(InetAddress.getLoopbackAddress(), Platform.GATEWAY_PORT)) {
			headers.getOutputStream().write("GET /api/v1/products HTTP/1.1\r\nHost: keel\r\nX-A: ".getBytes(StandardCharsets.US_ASCII));
			body.getOutputStream().write(("POST /api/v1/users HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\n"
					+ "Content-Length: 100\r\n\r\n{\"email\"").getBytes(StandardCharsets.US_ASCII));
			assertThat(gateway.get("/api/v1/products?size=1").status()).isEqualTo(200);
			for (Socket slow : List.of(headers, body)) {
				slow.setSoTimeout(120_000);
				assertThat(closedByPeer(slow)).as("closed by the edge").isTrue();
			}
		}
	}

	@Test
	@Order(6)
	void oneAddressGetsAHundredRequestsAtOnceAndAProblemBeyond() throws Exception {
		// From another loopback address: the edge does not count this machine's own 127.0.0.1.
		InetAddress client = InetAddress.getByName("127.0.0.2");
		List<Socket> held = new ArrayList<>();
		ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
		try {
			for (int i = 0; i < 100; i++) {
				Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), Platform.GATEWAY_PORT, client, 0);
				socket.getOutputStream().write(("POST /api/v1/users HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\n"
						+ "Content-Length: 1000\r\n\r\n ").getBytes(StandardCharsets.US_ASCII));
				held.add(socket);
			}
			// Each held request sends a byte of its body every 2 s: within the edge's 10 s, so none is let go.
			// (A socket that fails is left; a task that threw would never run again, for any of them.)
			trickle.scheduleWithFixedDelay(() -> held.forEach((socket) -> {
				try {
					OutputStream out = socket.getOutputStream();
					out.write(' ');
					out.flush();
				}
				catch (IOException ex) {
					System.out.println("a held request's connection failed: " + ex);
				}
			}), 2, 2, TimeUnit.SECONDS);
			await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
				RawHttp.Answer refused = RawHttp.send(client, Platform.GATEWAY_PORT,
						"GET /api/v1/products HTTP/1.1\r\nHost: keel\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false);
				problem(refused, 429, "too-many-requests");
				assertThat(refused.header("Retry-After")).isEqualTo("1");
			});
			assertThat(gateway.get("/api/v1/products?size=1").status()).as("another client goes on").isEqualTo(200);
		}
		finally {
			trickle.shutdownNow();
			for (Socket socket : held) {
				socket.close();
			}
		}
		await().atMost(Duration.ofSeconds(60)).untilAsserted(
				() -> assertThat(gateway.get("/api/v1/products?size=1").status()).isEqualTo(200));
	}

	@Test
	@Order(7)
	void theEdgeLogsEachRequestWithTheRequestAndTraceIdsTheGatewayLogs() {
		String requestId = "edge-" + UUID.randomUUID();
		String traceId = UUID.randomUUID().toString().replace("-", "");
		Http.Response products = gateway.send(HttpRequest.newBuilder(URI.create(platform.gateway() + "/api/v1/products?size=1"))
			.header("X-Request-Id", requestId)
			.header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"));
		assertThat(products.status()).isEqualTo(200);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(platform.log("edge").lines().filter((line) -> line.contains(requestId)))
				.singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
				.contains("keel.edge", "GET /api/v1/products -> 200", "trace " + traceId, "gateway 127.0.0.1:");
			assertThat(platform.logs("gateway-service").lines().filter((line) -> line.contains("keel.access")))
				.anyMatch((line) -> line.contains("request " + requestId) && line.contains(traceId));
		});
		// Nginx's own counters, for Prometheus (compose scrapes them through nginx-prometheus-exporter).
		Http.Response status = new Http("http://127.0.0.1:" + Platform.GATEWAY_MANAGEMENT_PORT).get("/stub_status");
		assertThat(status.status()).isEqualTo(200);
		assertThat(status.raw().body()).contains("Active connections:", "server accepts handled requests");
	}

	@Test
	@Order(8)
	void aSigkilledGatewayCostsNoRequestAndNoDuplicateOrder() {
		noRequestLostWhile("A gateway SIGKILLed and started again", 20, 3, (reads) -> {
			assertThat(platform.run(60, "kill", "gateway-service#1").exitCode()).isZero();
			reads.awaitAnswers(100);
			// Started again while the load goes on: the edge finds it back by itself.
			assertThat(platform.run(900, "restart", "gateway-service#1").exitCode()).isZero();
		});
	}

	@Test
	@Order(9)
	void aRollingRestartOfTheGatewaysLosesNoRequestAndDuplicatesNoOrder() {
		noRequestLostWhile("Both gateways restarted one by one", 10, 2,
				(reads) -> assertThat(platform.run(900, "restart", "gateway-service").exitCode()).isZero());
	}

	/**
	 * GETs of a product and keyed order POSTs at these rates while {@code fault} happens: no failed request, and
	 * every order answered 201 stored once; then both gateways serve again.
	 */
	private static void noRequestLostWhile(String fault, int readsPerSecond, int ordersPerSecond,
			Consumer<Load> happen) {
		int ordersBefore = ordersOfUser();
		try (Load reads = Load.start("GET products", readsPerSecond, Set.of(200),
				() -> platform.get("/api/v1/products/KB-001", "10.6.0.1"));
				Load orders = Load.start("POST orders", ordersPerSecond, Set.of(201),
						(tick) -> platform.post("/api/v1/orders", order(tick), "10.6.0.2"))) {
			reads.awaitAnswers(3 * readsPerSecond);

			happen.accept(reads);
			reads.awaitAnswers(3 * readsPerSecond);

			orders.close();
			assertThat(reads.failures()).as(reads.toString()).isEmpty();
			assertThat(orders.failures()).as(orders.toString()).isEmpty();
			assertThat(orders.responses()).isNotEmpty();
			assertThat(ordersOfUser() - ordersBefore).as("one order per keyed POST answered 201")
				.isEqualTo(orders.responses().size());
			System.out.printf("%s under load: %s; %s, every 201 stored once%n", fault, reads, orders);
		}
		awaitBothGatewaysServe();
	}

	/** Until the edge's log shows both gateways answering again. */
	private static void awaitBothGatewaysServe() {
		await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
			Set<String> answered = new java.util.HashSet<>();
			for (int i = 0; i < 10; i++) {
				String requestId = "both-" + UUID.randomUUID();
				gateway.send(HttpRequest.newBuilder(URI.create(platform.gateway() + "/api/v1/products?size=1"))
					.header("X-Request-Id", requestId));
				platform.log("edge").lines().filter((line) -> line.contains(requestId)).forEach((line) -> answered.add(
						line.replaceAll(".*\\(gateway ([^ ,]+).*", "$1")));
			}
			assertThat(answered).hasSize(2);
		});
	}

	/** Whether the other end closes the connection (end of stream, or a reset) before sending anything. */
	private static boolean closedByPeer(Socket socket) throws IOException {
		try {
			return socket.getInputStream().read() == -1;
		}
		catch (java.net.SocketException ex) {
			return true;
		}
	}

	private static String order(long tick) {
		return "{\"userId\":%d,\"items\":[{\"sku\":\"%s\",\"quantity\":1}]}".formatted(userId,
				skus.get((int) (tick % skus.size())));
	}

	private static int ordersOfUser() {
		return gateway.get("/api/v1/orders?size=1&userId=" + userId).json().get("totalElements").asInt();
	}

	private static HttpRequest.Builder authorized(String url) {
		return HttpRequest.newBuilder(URI.create(url))
			.header("Authorization", "Bearer " + platform.token("alice"))
			.timeout(Duration.ofSeconds(30));
	}

	private static void problem(RawHttp.Answer answer, int status, String type) {
		assertThat(answer).isNotNull();
		assertThat(answer.status()).as(answer.toString()).isEqualTo(status);
		assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
		JsonNode problem = JSON.readTree(answer.body());
		assertThat(problem.get("type").asString()).isEqualTo(PROBLEMS + type);
		assertThat(problem.get("status").asInt()).isEqualTo(status);
	}

	private static SSLContext trusting(Path certificate) throws Exception {
		KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
		trusted.load(null, null);
		trusted.setCertificateEntry("keel-local-ca", certificate(certificate));
		TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trust.init(trusted);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, trust.getTrustManagers(), null);
		return context;
	}

	private static X509Certificate certificate(Path pem) throws Exception {
		try (InputStream in = Files.newInputStream(pem)) {
			return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
		}
	}

	private static String gunzip(byte[] gzipped) throws IOException {
		try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	/** OpenSSL's client against the edge's HTTPS port with these options: what it printed. */
	private static String openSsl(String... options) {
		List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + Platform.HTTPS_PORT,
				"-servername", "localhost"));
		command.addAll(List.of(options));
		Platform.Result result = Platform.execute(new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
				new java.io.File("/dev/null"))), 60);
		assertThat(result.exitCode()).as(result.output()).isNotZero();
		return result.output();
	}

}
