package dev.keel.platform.test;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy in front of a MySQL-compatible server that can lose the answer to a {@code COMMIT}: the
 * statement reaches the server, which commits, and the connection breaks before the client hears so. That
 * is what "the outcome of the commit is unknown" looks like to an application, reproduced exactly rather
 * than mocked. Connections through it must not use TLS ({@code sslMode=DISABLED}): it reads the protocol's
 * packets to recognise the commit.
 */
public final class MySqlProxy implements AutoCloseable {

	/** COM_QUERY: a text statement follows. */
	private static final int COM_QUERY = 0x03;

	private final ServerSocket listener;

	private final int serverPort;

	/** Which commit's answer to lose next, if any. */
	private final AtomicReference<Target> target = new AtomicReference<>();

	private final AtomicInteger droppedCommitAnswers = new AtomicInteger();

	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	private volatile boolean closed;

	private MySqlProxy(int serverPort) throws IOException {
		this.serverPort = serverPort;
		this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::accept, "mysql-proxy-" + this.listener.getLocalPort());
		acceptor.setDaemon(true);
		acceptor.start();
	}

	/** A proxy on a free loopback port in front of the server on {@code serverPort}. */
	public static MySqlProxy to(int serverPort) {
		try {
			return new MySqlProxy(serverPort);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public int port() {
		return this.listener.getLocalPort();
	}

	/**
	 * The next {@code COMMIT} sent through the proxy reaches the server, and its connection is closed before the
	 * server's answer reaches the client.
	 */
	public void dropAnswerToNextCommit() {
		this.target.set(Target.ANY_COMMIT);
	}

	/**
	 * As {@link #dropAnswerToNextCommit()}, for the next commit of a transaction that wrote (inserted, updated or
	 * deleted), so that read-only transactions on the way pass untouched.
	 */
	public void dropAnswerToNextWritingCommit() {
		this.target.set(Target.WRITING_COMMIT);
	}

	/** How many commits were answered by a broken connection. */
	public int droppedCommitAnswers() {
		return this.droppedCommitAnswers.get();
	}

	private void accept() {
		while (!this.closed) {
			try {
				Socket client = this.listener.accept();
				Socket server = new Socket(InetAddress.getLoopbackAddress(), this.serverPort);
				client.setTcpNoDelay(true);
				server.setTcpNoDelay(true);
				this.sockets.add(client);
				this.sockets.add(server);
				Link link = new Link(client, server);
				start("client-to-server", link::clientToServer);
				start("server-to-client", link::serverToClient);
			}
			catch (IOException ex) {
				if (!this.closed) {
					throw new UncheckedIOException(ex);
				}
			}
		}
	}

	private static void start(String name, Runnable pump) {
		Thread thread = new Thread(pump, "mysql-proxy-" + name);
		thread.setDaemon(true);
		thread.start();
	}

	@Override
	public void close() {
		this.closed = true;
		closeQuietly(this.listener);
		this.sockets.forEach(MySqlProxy::closeQuietly);
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// Closing a broken socket fails as well; it is closed either way.
		}
	}

	/** One client connection and its connection to the server, relayed packet by packet. */
	private final class Link {

		private final Socket client;

		private final Socket server;

		private volatile boolean dropNextAnswer;

		/** Only the client-to-server thread reads and writes it. */
		private boolean wroteSinceCommit;

		Link(Socket client, Socket server) {
			this.client = client;
			this.server = server;
		}

		void clientToServer() {
			relay(this.client, this.server, (packet) -> {
				String statement = statement(packet);
				if (statement.equals("commit")) {
					Target wanted = this.wroteSinceCommit ? Target.WRITING_COMMIT : Target.ANY_COMMIT;
					if (MySqlProxy.this.target.compareAndSet(wanted, null)
							|| MySqlProxy.this.target.compareAndSet(Target.ANY_COMMIT, null)) {
						// Armed before the commit leaves, so that its answer cannot slip through first.
						this.dropNextAnswer = true;
					}
					this.wroteSinceCommit = false;
				}
				else if (statement.startsWith("set autocommit")) {
					// A transaction begins (or ends): writes before it were committed on their own.
					this.wroteSinceCommit = false;
				}
				else if (statement.startsWith("insert") || statement.startsWith("update")
						|| statement.startsWith("delete")) {
					this.wroteSinceCommit = true;
				}
				return true;
			});
		}

		void serverToClient() {
			relay(this.server, this.client, (packet) -> {
				if (this.dropNextAnswer) {
					MySqlProxy.this.droppedCommitAnswers.incrementAndGet();
					breakConnection();
					return false;
				}
				return true;
			});
		}

		private void relay(Socket from, Socket to, PacketFilter filter) {
			try (DataInputStream in = new DataInputStream(from.getInputStream())) {
				OutputStream out = to.getOutputStream();
				while (true) {
					byte[] packet = readPacket(in);
					if (!filter.forward(packet)) {
						return;
					}
					out.write(packet);
					out.flush();
				}
			}
			catch (IOException ex) {
				breakConnection();
			}
		}

		private void breakConnection() {
			closeQuietly(this.client);
			closeQuietly(this.server);
			MySqlProxy.this.sockets.remove(this.client);
			MySqlProxy.this.sockets.remove(this.server);
		}

	}

	@FunctionalInterface
	private interface PacketFilter {

		boolean forward(byte[] packet);

	}

	/** A whole packet, header included: 3 bytes of payload length (little endian), 1 byte of sequence id. */
	private static byte[] readPacket(InputStream in) throws IOException {
		byte[] header = in.readNBytes(4);
		if (header.length < 4) {
			throw new EOFException();
		}
		int length = (header[0] & 0xff) | ((header[1] & 0xff) << 8) | ((header[2] & 0xff) << 16);
		byte[] packet = new byte[4 + length];
		System.arraycopy(header, 0, packet, 0, 4);
		if (in.readNBytes(packet, 4, length) < length) {
			throw new EOFException();
		}
		return packet;
	}

	/** The statement of a text query, lower case; empty for any other packet. */
	private static String statement(byte[] packet) {
		if (packet.length < 5 || (packet[4] & 0xff) != COM_QUERY) {
			return "";
		}
		return new String(packet, 5, packet.length - 5, StandardCharsets.UTF_8).strip().toLowerCase(Locale.ROOT);
	}

	private enum Target {

		ANY_COMMIT, WRITING_COMMIT

	}

}
