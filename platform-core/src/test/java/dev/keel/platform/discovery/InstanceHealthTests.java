package dev.keel.platform.discovery;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.SmartLifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Admission and eviction against real HTTP readiness endpoints on loopback.
 */
class InstanceHealthTests {

	private final AtomicInteger readinessStatus = new AtomicInteger(200);

	private final AtomicInteger probesReceived = new AtomicInteger();

	private volatile CountDownLatch answerProbes = new CountDownLatch(0);

	private HttpServer server;

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private InstanceHealth health;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/readyz", (exchange) -> {
			this.probesReceived.incrementAndGet();
			try {
				this.answerProbes.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			exchange.sendResponseHeaders(this.readinessStatus.get(), -1);
			exchange.close();
		});
		this.server.setExecutor(Executors.newCachedThreadPool());
		this.server.start();
		this.health = health(Duration.ofMillis(100), Duration.ofSeconds(60));
		this.health.start();
	}

	private InstanceHealth health(Duration interval, Duration forgetAfter) {
		return health(interval, Duration.ofSeconds(30), forgetAfter);
	}

	private InstanceHealth health(Duration interval, Duration timeout, Duration forgetAfter) {
		return new InstanceHealth(new DiscoveryProperties("/readyz", interval, timeout, 3, forgetAfter,
				Duration.ZERO), LoadBalancingTests.balancing(), this.meters);
	}

	@AfterEach
	void stop() {
		this.answerProbes.countDown();
		this.health.stop();
		this.server.stop(0);
	}

	@Test
	void failuresOfAnInstanceWhileItsProbeIsOutstandingAskForNoMoreProbes() {
		this.health.stop();
		this.health = health(Duration.ofHours(1), Duration.ofSeconds(60));
		this.health.start();
		this.answerProbes = new CountDownLatch(1);
		ServiceInstance instance = instance(this.server.getAddress().getPort());
		this.health.admitted(List.of(instance));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.probesReceived.get() == 1);

		for (int i = 0; i < 100; i++) {
			this.health.started(instance).failed(new IOException("Connection reset"));
		}
		this.answerProbes.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.health.probesDone() == 1);

		assertThat(this.probesReceived).as("one probe in flight at a time, however many requests failed").hasValue(1);
	}

	@Test
	void aReadyAnswerToAProbeSentBeforeAnInstanceRefusedAConnectionDoesNotReadmitIt() {
		this.health.stop();
		this.health = health(Duration.ofHours(1), Duration.ofSeconds(60));
		this.health.start();
		this.answerProbes = new CountDownLatch(1);
		ServiceInstance instance = instance(this.server.getAddress().getPort());
		this.health.admitted(List.of(instance));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.probesReceived.get() == 1);

		this.health.started(instance).failed(new ConnectException("Connection refused"));
		this.answerProbes.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.health.probesDone() == 1);

		assertThat(this.health.state(instance)).isEqualTo(InstanceHealth.State.NOT_READY);
		assertThat(this.health.admitted(List.of(instance))).isEmpty();
		this.health.started(instance).failed(new IOException("Connection reset"));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.health.state(instance) == InstanceHealth.State.READY);
	}

	@Test
	void anInstanceWhoseProbeCannotBeSentIsNotReadyAndProbedAgainNextRound() {
		this.health.stop();
		this.health = health(Duration.ofHours(1), Duration.ofSeconds(60));
		this.health.start();
		ServiceInstance unaddressable = new DefaultServiceInstance("bad", "svc", "bad host", 80, false);
		this.health.admitted(List.of(unaddressable));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.health.probesDone() == 1);
		assertThat(this.health.state(unaddressable)).isEqualTo(InstanceHealth.State.NOT_READY);

		this.health.probeAll();

		await().atMost(Duration.ofSeconds(10)).until(() -> this.health.probesDone() == 2);
	}

	@Test
	void aStoppedHealthNeitherProbesNorFailsTheRequestsThatMeetNewInstances() {
		this.health.stop();

		assertThat(this.health.admitted(List.of(instance(this.server.getAddress().getPort())))).hasSize(1);
	}

	@Test
	void keepsProbingWhileTheWebServerDrains() {
		assertThat(this.health.getPhase()).as("stops after the web server's graceful shutdown")
			.isLessThan(SmartLifecycle.DEFAULT_PHASE - 1024);
	}

	@Test
	void forgottenInstancesTakeTheirMetricsWithThem() {
		this.health.stop();
		this.health = health(Duration.ofHours(1), Duration.ZERO);
		ServiceInstance instance = instance(this.server.getAddress().getPort());
		this.health.started(instance).answered(200);
		assertThat(this.meters.find("keel.loadbalancer.requests").counters()).hasSize(1);
		assertThat(this.meters.find("keel.loadbalancer.outstanding").gauges()).hasSize(1);

		this.health.probeAll();

		assertThat(this.meters.find("keel.loadbalancer.requests").counters()).isEmpty();
		assertThat(this.meters.find("keel.loadbalancer.outstanding").gauges()).isEmpty();
		assertThat(this.meters.find("keel.loadbalancer.ejections").counters()).isEmpty();
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

		this.health.started(instance).failed(new ConnectException("Connection refused"));

		assertThat(this.health.admitted(List.of(instance))).isEmpty();
		await().atMost(Duration.ofSeconds(5)).until(() -> !this.health.admitted(List.of(instance)).isEmpty());
	}

	@Test
	void anInstanceWhoseProbesAnswerLateThreeTimesInARowIsAvoidedButNotRefused() throws IOException {
		this.health.stop();
		this.health = health(Duration.ofHours(1), Duration.ofMillis(300), Duration.ofSeconds(60));
		this.health.start();
		HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		other.createContext("/readyz", (exchange) -> {
			exchange.sendResponseHeaders(200, -1);
			exchange.close();
		});
		other.start();
		try {
			ServiceInstance busy = instance(this.server.getAddress().getPort());
			ServiceInstance peer = instance(other.getAddress().getPort());
			List<ServiceInstance> both = List.of(busy, peer);
			this.health.admitted(both);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> this.health.admitted(both).equals(both) && this.health.probesDone() == 2);

			this.answerProbes = new CountDownLatch(1);
			for (int probe = 1; probe <= 3; probe++) {
				long done = this.health.probesDone() + 2;
				this.health.probeAll();
				await().atMost(Duration.ofSeconds(30)).until(() -> this.health.probesDone() == done);
				assertThat(this.health.admitted(both)).as("after %d late probes", probe)
					.isEqualTo((probe < 3) ? both : List.of(peer));
			}
			assertThat(this.health.admitted(List.of(busy))).as("the last one is not refused").containsExactly(busy);
			assertThat(this.health.state(busy)).isEqualTo(InstanceHealth.State.READY);

			this.answerProbes.countDown();
			long done = this.health.probesDone() + 2;
			this.health.probeAll();
			await().atMost(Duration.ofSeconds(30)).until(() -> this.health.probesDone() == done);
			assertThat(this.health.admitted(both)).as("answering in time again").isEqualTo(both);
		}
		finally {
			other.stop(0);
		}
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
