package dev.keel.platform.discovery;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Admission and eviction against real HTTP readiness endpoints on loopback.
 */
class InstanceHealthTests {

	private final AtomicInteger readinessStatus = new AtomicInteger(200);

	private HttpServer server;

	private InstanceHealth health;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/actuator/health/readiness", (exchange) -> {
			exchange.sendResponseHeaders(this.readinessStatus.get(), -1);
			exchange.close();
		});
		this.server.start();
		this.health = new InstanceHealth(new DiscoveryProperties("/actuator/health/readiness", Duration.ofMillis(100),
				Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ZERO));
		this.health.start();
	}

	@AfterEach
	void stop() {
		this.health.stop();
		this.server.stop(0);
	}

	@Test
	void aNewInstanceIsProbedAndAdmittedOnceReady() {
		ServiceInstance instance = instance(this.server.getAddress().getPort());

		assertThat(this.health.admitted(List.of(instance))).as("cold start: not probed yet, not refused")
			.containsExactly(instance);
		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.health.state(instance) == InstanceHealth.State.READY);
	}

	@Test
	void aRefusedConnectionEvictsAtOnceAndAProbeBringsItBack() {
		ServiceInstance instance = instance(this.server.getAddress().getPort());
		this.health.admitted(List.of(instance));
		await().atMost(Duration.ofSeconds(5)).until(() -> this.health.state(instance) == InstanceHealth.State.READY);

		this.health.connectionFailed(instance, new ConnectException("Connection refused"));

		assertThat(this.health.admitted(List.of(instance))).isEmpty();
		await().atMost(Duration.ofSeconds(5)).until(() -> !this.health.admitted(List.of(instance)).isEmpty());
	}

	@Test
	void anInstanceWhoseReadinessFailsLeavesTheRotation() {
		ServiceInstance ready = instance(this.server.getAddress().getPort());
		this.health.admitted(List.of(ready));
		await().atMost(Duration.ofSeconds(5)).until(() -> this.health.state(ready) == InstanceHealth.State.READY);

		this.readinessStatus.set(503);

		await().atMost(Duration.ofSeconds(5)).until(() -> this.health.admitted(List.of(ready)).isEmpty());
	}

	@Test
	void provenReadyInstancesAreAdmittedAheadOfUnprobedOnesAndDeadOnesNever() throws IOException {
		ServiceInstance ready = instance(this.server.getAddress().getPort());
		ServiceInstance dead = instance(closedPort());
		this.health.admitted(List.of(ready, dead));

		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.health.state(ready) == InstanceHealth.State.READY
					&& this.health.state(dead) == InstanceHealth.State.NOT_READY);
		assertThat(this.health.admitted(List.of(ready, dead))).containsExactly(ready);
	}

	@Test
	void connectFailuresAreToldApartFromFailuresAfterConnecting() {
		assertThat(InstanceHealth.isConnectFailure(new RuntimeException(new ConnectException()))).isTrue();
		assertThat(InstanceHealth.isConnectFailure(new IOException("Connection reset by peer"))).isFalse();
	}

	@Test
	void nacosWeightsBecomeRelativeIntegers() {
		DefaultServiceInstance half = new DefaultServiceInstance("a", "svc", "h", 1, false, Map.of("nacos.weight", "0.5"));
		DefaultServiceInstance full = new DefaultServiceInstance("b", "svc", "h", 2, false, Map.of("nacos.weight", "1.0"));
		DefaultServiceInstance none = new DefaultServiceInstance("c", "svc", "h", 3, false, Map.of());

		assertThat(KeelLoadBalancerConfiguration.nacosWeight().apply(half)).isEqualTo(5);
		assertThat(KeelLoadBalancerConfiguration.nacosWeight().apply(full)).isEqualTo(10);
		assertThat(KeelLoadBalancerConfiguration.nacosWeight().apply(none)).isEqualTo(1);
	}

	private static ServiceInstance instance(int port) {
		return new DefaultServiceInstance("svc-" + port, "svc", "127.0.0.1", port, false);
	}

	private static int closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
