package dev.keel.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The local run's edge: Nginx on the public ports (HTTP, and HTTPS with the local CA's certificate) in front of
 * the gateways, with deploy/nginx/keel-*.conf (the files compose uses too) and the few lines only this machine
 * knows: the gateways' ports, the state directory's paths.
 */
final class Edge {

	/**
	 * How long the edge sends nothing to a gateway after a failure, before one request tries it again: shorter than
	 * a gateway's drain (keel.discovery.propagation-delay) plus the rolling restart's settle time, so that the
	 * gateway restarted before is taking requests again when the next one stops.
	 */
	static final String FAIL_TIMEOUT = "2s";

	static final List<String> SHARED_FILES = List.of("keel-http.conf", "keel-server.conf", "keel-problems.conf",
			"keel-errors.conf", "keel-proxy.conf");

	private final Settings settings;

	Edge(Settings settings) {
		this.settings = settings;
	}

	/**
	 * The Nginx to run: {@code KEEL_NGINX}, else {@code nginx} on the PATH or in /usr/sbin (where Debian puts
	 * it, outside a user's PATH). Refuses, saying how to install it, when there is none.
	 */
	static Path nginx(Map<String, String> environment) {
		String configured = environment.get("KEEL_NGINX");
		if (configured != null && !configured.isBlank()) {
			Path path = Path.of(configured);
			if (!Files.isExecutable(path)) {
				throw new LauncherException("KEEL_NGINX=" + configured + " is not an executable");
			}
			return path;
		}
		String path = environment.getOrDefault("PATH", "");
		return Stream.concat(Stream.of(path.split(java.io.File.pathSeparator)), Stream.of("/usr/sbin", "/usr/local/sbin"))
			.filter((directory) -> !directory.isEmpty())
			.map((directory) -> Path.of(directory, "nginx"))
			.filter(Files::isExecutable)
			.findFirst()
			.orElseThrow(() -> new LauncherException("--gateways puts Nginx in front of the gateways, and there is no "
					+ "nginx here. Install it (Debian, Ubuntu: sudo apt-get install nginx; Fedora: sudo dnf install nginx; "
					+ "macOS: brew install nginx), or name one with KEEL_NGINX=/path/to/nginx; or run without --gateways"));
	}

	/** Where the edge keeps its configuration, certificate, pid and temporary files. */
	Path directory() {
		return this.settings.state().resolve("edge");
	}

	/**
	 * Writes the configuration for these gateways (and the certificate, if it is missing or old), and returns the
	 * command that runs Nginx in the foreground on it.
	 */
	List<String> prepare(Topology topology, Path nginx) {
		Path directory = directory();
		Path conf = directory.resolve("conf");
		try {
			Files.createDirectories(conf);
			Files.createDirectories(directory.resolve("tmp"));
			for (String file : SHARED_FILES) {
				Files.copy(this.settings.root().resolve("deploy/nginx").resolve(file), conf.resolve(file),
						java.nio.file.StandardCopyOption.REPLACE_EXISTING);
			}
			Files.writeString(conf.resolve("nginx.conf"), configuration(topology, certificate()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return List.of(nginx.toString(), "-p", directory + "/", "-c", conf.resolve("nginx.conf").toString(), "-e",
				"stderr");
	}

	/** The edge's HTTPS certificate (edge.key beside it), issued by the local CA when missing or old. */
	Path certificate() {
		return new LocalCa(this.settings.state()).edgeCertificate(directory().resolve("tls"));
	}

	/** nginx.conf of the local run. */
	String configuration(Topology topology, Path certificate) {
		StringBuilder gateways = new StringBuilder();
		for (Instance gateway : topology.gateways()) {
			// Down after one failure (refused, reset, timed out); then one request tries it again.
			gateways.append("        server 127.0.0.1:").append(topology.port(gateway))
				.append(" max_fails=1 fail_timeout=").append(FAIL_TIMEOUT).append(";\n");
		}
		Settings.Ports ports = this.settings.ports();
		Path key = certificate.resolveSibling("edge.key");
		return """
				# Written by ./platform up (launcher/.../Edge.java) at each start: change deploy/nginx/keel-*.conf instead.
				daemon off;
				worker_processes 1;
				pid "%1$s/nginx.pid";
				error_log stderr warn;
				# Each request through the edge holds two connections (client, gateway). A platform that falls behind
				# holds many requests at once, as the gateways do (Netty takes every connection): 1024, Nginx's
				# default, made the edge drop connections unanswered under a load one core could not keep up with.
				worker_rlimit_nofile 20000;
				events {
				    worker_connections 8192;
				}
				http {
				    include keel-http.conf;
				    access_log /dev/stdout keel;
				    client_body_temp_path tmp/body;
				    proxy_temp_path tmp/proxy;
				    fastcgi_temp_path tmp/fastcgi;
				    uwsgi_temp_path tmp/uwsgi;
				    scgi_temp_path tmp/scgi;

				    upstream keel_gateways {
				%2$s        keepalive 32;
				        keepalive_timeout 30s;
				    }

				    # Local: HTTP is served too, as the tokens' issuer and the README's examples use it. Compose and
				    # Kubernetes redirect it to HTTPS and send HSTS.
				    server {
				        listen 127.0.0.1:%3$d;
				        include keel-server.conf;
				    }
				    server {
				        listen 127.0.0.1:%4$d ssl;
				        ssl_certificate "%5$s";
				        ssl_certificate_key "%6$s";
				        include keel-server.conf;
				    }
				    # Readiness (a gateway's: ready while one is) and Nginx's own counters, on loopback only.
				    server {
				        listen 127.0.0.1:%7$d;
				        access_log off;
				        location = /readyz {
				            proxy_pass http://keel_gateways/readyz;
				            proxy_http_version 1.1;
				            proxy_set_header Connection "";
				            # A gateway that is not ready (draining, starting) or slow: the next is asked, within the
				            # launcher's 2 s probe.
				            proxy_next_upstream error timeout http_502 http_503 http_504;
				            proxy_connect_timeout 500ms;
				            proxy_read_timeout 1s;
				        }
				        location = /stub_status {
				            stub_status;
				        }
				        location / {
				            return 404;
				        }
				    }
				}
				""".formatted(directory(), gateways, ports.gateway(), ports.https(), certificate, key,
				ports.gatewayManagement());
	}

	/** The pid Nginx wrote, to find an edge a crashed launcher left running. */
	Optional<ProcessHandle> recordedByNginx() {
		try {
			Path pid = directory().resolve("nginx.pid");
			return Files.exists(pid) ? ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())) : Optional.empty();
		}
		catch (IOException | NumberFormatException ex) {
			return Optional.empty();
		}
	}

}
