package dev.keel.system;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A few hundred requests a hostile or broken client sends, to the edge, to a gateway and straight to each service's
 * port:
 * odd media types and encodings, paths and queries no router expects, header floods, bodies oversized, malformed
 * or cut short, wrong methods, protocol tricks. Whoever answers (Nginx, Spring, Tomcat, Reactor Netty, the gateway), the
 * answer is never a 5xx, and every error is {@code application/problem+json} with the platform's type URIs and
 * its own status.
 */
@Order(3)
class HostileInputIT {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@RegisterExtension
	static final Platform platform = Platform.platform;

	/** Where a hostile request goes: a port, and the collection of one resource there. */
	record Target(String name, int port, String collection) {

		@Override
		public String toString() {
			return this.name + " " + this.collection;
		}

	}

	/** A request, and whether the client stops sending before its body is complete. */
	record Hostile(String name, Target target, byte[] bytes, boolean cutShort) {

		@Override
		public String toString() {
			return this.target + ": " + this.name;
		}

	}

	static Stream<Hostile> requests() {
		List<Target> targets = List.of(new Target("edge", Platform.GATEWAY_PORT, "/api/v1/users"),
				new Target("edge", Platform.GATEWAY_PORT, "/api/v1/orders"),
				new Target("gateway", Platform.port("gateway-service", 1, false), "/api/v1/users"),
				new Target("gateway", Platform.port("gateway-service", 1, false), "/api/v1/orders"),
				new Target("user-service", Platform.USER_PORT, "/api/v1/users"),
				new Target("order-service", Platform.ORDER_PORT, "/api/v1/orders"));
		List<Hostile> requests = new ArrayList<>();
		for (Target target : targets) {
			String base = target.collection();
			paths(base).forEach((name, path) -> requests.add(request("path " + name, target,
					"GET " + path + " HTTP/1.1\r\nHost: keel\r\n\r\n")));
			queries().forEach((name, query) -> requests.add(request("query " + name, target,
					"GET " + base + "?" + query + " HTTP/1.1\r\nHost: keel\r\n\r\n")));
			headers().forEach((name, headers) -> requests.add(request("headers " + name, target,
					"GET " + base + "/1 HTTP/1.1\r\nHost: keel\r\n" + headers + "\r\n")));
			bodies().forEach((name, body) -> requests.add(new Hostile("body " + name, target,
					post(base, body.contentType(), body.bytes(), body.extraHeaders()), false)));
			methods().forEach((name, method) -> requests.add(request("method " + name, target,
					method.replace("{base}", base))));
			framing().forEach((name, bytes) -> requests.add(new Hostile("framing " + name, target,
					bytes.replace("{base}", base).getBytes(StandardCharsets.ISO_8859_1), false)));
			requests.add(new Hostile("body declared longer than sent, then the client stops", target,
					("POST " + base + " HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\n"
							+ "Content-Length: 100\r\n\r\n{\"email\":").getBytes(StandardCharsets.ISO_8859_1),
					true));
		}
		return requests.stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("requests")
	void noClientMistakeIsAServerErrorAndEveryErrorIsAProblem(Hostile request) {
		// As a signed-in client, so that what the gateway lets through meets the service behind it, and what a
		// service port is sent directly meets its parsing, not only its token check.
		RawHttp.Answer answer = RawHttp.send(request.target().port(), withToken(request.bytes()), request.cutShort());

		if (answer == null) {
			// Only a client that stopped sending may find the connection closed without an answer.
			assertThat(request.cutShort()).as("closed without an answer").isTrue();
			return;
		}
		assertThat(answer.status()).as(answer.toString()).isLessThan(500);
		if (answer.status() >= 400 && !request.name().startsWith("method HEAD")) {
			assertThat(answer.header("Content-Type")).as(answer.toString()).isEqualTo("application/problem+json");
			JsonNode problem = JSON.readTree(answer.body());
			assertThat(problem.get("type").asString()).as(answer.toString()).startsWith("https://keel.dev/problems/");
			assertThat(problem.get("status").asInt()).as(answer.toString()).isEqualTo(answer.status());
			assertThat(problem.get("title").asString()).as(answer.toString()).isNotBlank();
			assertThat(answer.body()).as("no stack trace").doesNotContain("at java.").doesNotContain("Exception:");
		}
	}

	private static Map<String, String> paths(String base) {
		return Map.ofEntries(Map.entry("NUL", base + "/1\u0000"), Map.entry("brackets", base + "/[1]"),
				Map.entry("pipe", base + "/1|2"), Map.entry("braces", base + "/{1}"),
				Map.entry("malformed escape", base + "/%zz"), Map.entry("truncated escape", base + "/%4"),
				Map.entry("encoded NUL", base + "/%00"), Map.entry("encoded slash", base + "/1%2F2"),
				Map.entry("encoded backslash", base + "/%5C..%5Cactuator"), Map.entry("backslash", base + "\\1"),
				Map.entry("dot segments", base + "/../../actuator/env"), Map.entry("encoded dots", base + "/%2e%2e/x"),
				Map.entry("double encoding", base + "/%252e%252e/x"), Map.entry("semicolon", base + "/..;/..;/actuator"),
				Map.entry("double slash", base + "//1"), Map.entry("CRLF", base + "/%0d%0aSet-Cookie:%20a=b"),
				Map.entry("line separator", base + "/%E2%80%A8"), Map.entry("invalid UTF-8", base + "/%C3%28"),
				Map.entry("overlong UTF-8", base + "/%C0%AE%C0%AE"), Map.entry("unicode", base + "/%E2%82%AC"),
				Map.entry("very long", base + "/" + "1".repeat(9000)), Map.entry("huge number", base + "/" + "9".repeat(30)),
				Map.entry("space", base + "/a b"), Map.entry("fragment", base + "/1#x"));
	}

	private static Map<String, String> queries() {
		return Map.of("malformed escape", "page=%zz", "encoded NUL", "page=%00", "not a number", "page=abc&size=x",
				"negative", "page=-1&size=-5", "overflow", "page=99999999999999999999", "huge", "q=" + "x".repeat(9000),
				"repeated", "page=1&page=2&page=3", "no value", "page&size=&=&&", "user id overflow",
				"userId=1e400");
	}

	private static Map<String, String> headers() {
		StringBuilder flood = new StringBuilder();
		for (int i = 0; i < 400; i++) {
			flood.append("X-Flood-").append(i).append(": ").append("v".repeat(40)).append("\r\n");
		}
		return Map.of("400 of them", flood.toString(), "one of 20 KB", "X-Big: " + "a".repeat(20_000) + "\r\n",
				"control character", "X-A: a\u0001b\r\n", "space in a name", "Bad Header: y\r\n",
				"folded", "X-A: a\r\n b\r\n", "unparsable Accept", "Accept: ;;;\r\n",
				"odd Accept", "Accept: */*;q=abc\r\n", "XML only", "Accept: application/xml\r\n",
				"malformed request id", "X-Request-Id: a b c\r\n", "malformed traceparent", "traceparent: zz-zz-zz\r\n");
	}

	private record Body(String contentType, byte[] bytes, String extraHeaders) {

		static Body of(String contentType, String text) {
			return new Body(contentType, text.getBytes(StandardCharsets.UTF_8), "");
		}

	}

	private static Map<String, Body> bodies() {
		byte[] invalidUtf8 = "{\"email\":\"\u00e9@x.com\",\"name\":\"x\"}".getBytes(StandardCharsets.ISO_8859_1);
		return Map.ofEntries(Map.entry("wildcard type", Body.of("*/*", "{}")),
				Map.entry("wildcard subtype", Body.of("application/*", "{}")),
				Map.entry("unparsable type", Body.of(";;;", "{}")),
				Map.entry("bogus charset", Body.of("application/json; charset=bogus", "{}")),
				Map.entry("XML", Body.of("application/xml", "<user/>")),
				Map.entry("form", Body.of("application/x-www-form-urlencoded", "email=a&name=b")),
				Map.entry("multipart", Body.of("multipart/form-data; boundary=x", "--x--")),
				Map.entry("no content type", Body.of(null, "{}")), Map.entry("empty", Body.of("application/json", "")),
				Map.entry("invalid UTF-8", new Body("application/json", invalidUtf8, "")),
				Map.entry("UTF-16", new Body("application/json", "{}".getBytes(StandardCharsets.UTF_16), "")),
				Map.entry("gzip claimed, not gzip", new Body("application/json", new byte[] { 0x1f, (byte) 0x8b, 0, 1 },
						"Content-Encoding: gzip\r\n")),
				Map.entry("truncated JSON", Body.of("application/json", "{\"email\":\"a@b.c\",\"na")),
				Map.entry("null", Body.of("application/json", "null")), Map.entry("array", Body.of("application/json", "[]")),
				Map.entry("deep nesting", Body.of("application/json", "[".repeat(5000) + "]".repeat(5000))),
				Map.entry("wrong types", Body.of("application/json", "{\"email\":1,\"name\":[],\"userId\":\"x\",\"items\":\"y\"}")),
				Map.entry("number overflow", Body.of("application/json", "{\"userId\":1e999,\"items\":[{\"sku\":\"A\",\"quantity\":99999999999999}]}")),
				Map.entry("unknown fields", Body.of("application/json", "{\"role\":\"admin\",\"id\":1}")),
				Map.entry("declared too large", Body.of("application/json", "[" + "1,".repeat(40_000) + "1]")));
	}

	private static Map<String, String> methods() {
		return Map.of("DELETE collection", "DELETE {base} HTTP/1.1\r\nHost: keel\r\n\r\n",
				"PATCH", "PATCH {base}/1 HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
				"PUT collection", "PUT {base} HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
				"TRACE", "TRACE {base}/1 HTTP/1.1\r\nHost: keel\r\n\r\n", "unknown", "FOO {base}/1 HTTP/1.1\r\nHost: keel\r\n\r\n",
				"CONNECT", "CONNECT keel:443 HTTP/1.1\r\nHost: keel\r\n\r\n",
				"HEAD of a missing one", "HEAD {base}/999999999 HTTP/1.1\r\nHost: keel\r\n\r\n");
	}

	private static Map<String, String> framing() {
		String post = "POST {base} HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\n";
		return Map.ofEntries(Map.entry("two Content-Lengths", post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"),
				Map.entry("Content-Length not a number", post + "Content-Length: abc\r\n\r\n{}"),
				Map.entry("chunked and Content-Length",
						post + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
				Map.entry("malformed chunk", post + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
				Map.entry("unsupported transfer coding", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
				Map.entry("chunked, too large", post + "Transfer-Encoding: chunked\r\n\r\n"
						+ ("8000\r\n" + " ".repeat(0x8000) + "\r\n").repeat(3) + "0\r\n\r\n"),
				Map.entry("no Host", "GET {base}/1 HTTP/1.1\r\n\r\n"),
				Map.entry("HTTP/1.0", "GET {base}/1 HTTP/1.0\r\n\r\n"),
				Map.entry("absolute form", "GET http://elsewhere.example{base}/1 HTTP/1.1\r\nHost: keel\r\n\r\n"),
				Map.entry("bad version", "GET {base}/1 HTTP/2.7\r\nHost: keel\r\n\r\n"),
				Map.entry("expects 100-continue for 1 GB",
						post + "Expect: 100-continue\r\nContent-Length: 1000000000\r\n\r\n"));
	}

	private static byte[] withToken(byte[] request) {
		String text = new String(request, StandardCharsets.ISO_8859_1);
		return text.replaceFirst("\r\nHost: keel\r\n",
				"\r\nHost: keel\r\nAuthorization: Bearer " + platform.token("alice") + "\r\n")
			.getBytes(StandardCharsets.ISO_8859_1);
	}

	private static Hostile request(String name, Target target, String request) {
		return new Hostile(name, target, request.getBytes(StandardCharsets.UTF_8), false);
	}

	private static byte[] post(String base, String contentType, byte[] body, String extraHeaders) {
		ByteArrayOutputStream request = new ByteArrayOutputStream();
		String head = "POST " + base + " HTTP/1.1\r\nHost: keel\r\n"
				+ ((contentType != null) ? "Content-Type: " + contentType + "\r\n" : "") + extraHeaders
				+ "Content-Length: " + body.length + "\r\n\r\n";
		request.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
		request.writeBytes(body);
		return request.toByteArray();
	}

}
