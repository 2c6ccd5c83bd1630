package dev.keel.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 as bytes on a socket: requests no well-behaved client would send (a NUL in the path, two
 * Content-Lengths, a body cut short), and the answer read back as it comes, status line, headers and body.
 */
final class RawHttp {

	private RawHttp() {
	}

	/**
	 * Sends the bytes to the port on loopback and reads one answer; {@code null} when the server closed the
	 * connection without answering.
	 * @param halfClose whether to shut the sending side down after the bytes (a client that stops sending)
	 */
	static Answer send(int port, byte[] request, boolean halfClose) {
		return send(InetAddress.getLoopbackAddress(), port, request, halfClose);
	}

	/** As above, from this local address (another IPv4 loopback address, as another client of this machine). */
	static Answer send(InetAddress from, int port, byte[] request, boolean halfClose) {
		try (Socket socket = new Socket(loopbackLike(from), port, from, 0)) {
			socket.setSoTimeout(60_000);
			socket.getOutputStream().write(request);
			socket.getOutputStream().flush();
			if (halfClose) {
				socket.shutdownOutput();
			}
			return read(socket.getInputStream(), new String(request, 0, Math.min(request.length, 8), StandardCharsets.ISO_8859_1)
				.startsWith("HEAD "));
		}
		catch (SocketTimeoutException ex) {
			throw new IllegalStateException("no answer within 60 s", ex);
		}
		catch (IOException ex) {
			// Reset while sending: the server refused the rest and closed, as it may after answering.
			return null;
		}
	}

	/** 127.0.0.1 for an IPv4 local address, whichever loopback address the JVM prefers otherwise. */
	private static InetAddress loopbackLike(InetAddress from) throws IOException {
		return (from instanceof java.net.Inet4Address) ? InetAddress.getByAddress(new byte[] { 127, 0, 0, 1 })
				: InetAddress.getLoopbackAddress();
	}

	private static Answer read(InputStream in, boolean head) throws IOException {
		String statusLine = line(in);
		if (statusLine == null) {
			return null;
		}
		while (statusLine.startsWith("HTTP/1.1 100")) {
			while (!line(in).isEmpty()) {
				// The interim answer's headers, if any.
			}
			statusLine = line(in);
		}
		Map<String, String> headers = new LinkedHashMap<>();
		for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
			int colon = line.indexOf(':');
			headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
		}
		int status = Integer.parseInt(statusLine.split(" ")[1]);
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		if (!head && status != 204 && status != 304) {
			if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
				for (int size = Integer.parseInt(line(in).split(";")[0].strip(), 16); size > 0;
						size = Integer.parseInt(line(in).split(";")[0].strip(), 16)) {
					body.write(in.readNBytes(size));
					line(in);
				}
			}
			else if (headers.containsKey("content-length")) {
				body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
			}
			else {
				body.write(in.readAllBytes());
			}
		}
		return new Answer(status, headers, body.toString(StandardCharsets.UTF_8));
	}

	/** A line without its CRLF; {@code null} at the end of the stream. */
	private static String line(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		for (int b = in.read(); b != -1; b = in.read()) {
			if (b == '\n') {
				String text = line.toString(StandardCharsets.ISO_8859_1);
				return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
			}
			line.write(b);
		}
		return (line.size() > 0) ? line.toString(StandardCharsets.ISO_8859_1) : null;
	}

	record Answer(int status, Map<String, String> headers, String body) {

		String header(String name) {
			return this.headers.get(name.toLowerCase(Locale.ROOT));
		}

		@Override
		public String toString() {
			return this.status + " " + this.headers.get("content-type") + " "
					+ this.body.substring(0, Math.min(300, this.body.length()));
		}

	}

}
