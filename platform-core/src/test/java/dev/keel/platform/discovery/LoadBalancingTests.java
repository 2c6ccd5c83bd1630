package dev.keel.platform.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.LinkedMultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Least-loaded choice, ejection and slow start over two instances whose readiness is real HTTP on loopback,
 * on a clock the test moves.
 */
class LoadBalancingTests {

	private final AtomicLong now = new AtomicLong(TimeUnit.DAYS.toNanos(365));

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final List<HttpServer> servers = new ArrayList<>();

	private InstanceHealth health;

	private ServiceInstance a;

	private ServiceInstance b;

	static LoadBalancingProperties balancing() {
		return balancing(50);
	}

	static LoadBalancingProperties balancing(int maxEjectedPercent) {
		return new LoadBalancingProperties(LoadBalancingProperties.Algorithm.LEAST_LOADED, Duration.ofSeconds(10),
				new LoadBalancingProperties.SlowStart(Duration.ofSeconds(20), 0.1),
				new LoadBalancingProperties.Ejection(5, Duration.ofSeconds(5), Duration.ofSeconds(60), maxEjectedPercent));
	}

	@BeforeEach
	void start() throws IOException {
		this.a = instance(ready());
		this.b = instance(ready());
		startHealth(balancing());
	}

	private void startHealth(LoadBalancingProperties balancing) {
		this.health = new InstanceHealth(new DiscoveryProperties("/readyz", Duration.ofHours(1), Duration.ofSeconds(30), 3,
				Duration.ofHours(1), Duration.ZERO), balancing, this.meters, this.now::get);
		this.health.start();
	}

	@AfterEach
	void stop() {
		this.health.stop();
		this.servers.forEach((server) -> server.stop(0));
	}

	@Test
	void anInstanceThatStopsAnsweringGetsNoNewRequestsWhileItsOutstandingOnesAge() {
		warm(this.a, this.b);
		LeastLoadedLoadBalancer balancer = balancer();
		// b stops answering (a pause, a full GC, a starved CPU) with two requests on it.
		this.health.started(this.b);
		this.health.started(this.b);
		this.now.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));

		int toB = 0;
		for (int i = 0; i < 200; i++) {
			ServiceInstance chosen = balancer.choose(this.health.admitted(List.of(this.a, this.b))).getServer();
			InstanceHealth.Call call = this.health.started(chosen);
			this.now.addAndGet(TimeUnit.MILLISECONDS.toNanos(5));
			call.answered(200);
			toB += chosen.equals(this.b) ? 1 : 0;
		}

		assertThat(toB).as("requests sent to the instance that stopped answering").isZero();
		assertThat(this.meters.get("keel.loadbalancer.outstanding").tag("target", target(this.b)).gauge().value())
			.isEqualTo(2);
	}

	@Test
	void loadIsSpreadByOutstandingRequestsAndWeights() {
		warm(this.a, this.b);
		assertThat(this.health.cost(this.a, 1) / this.health.cost(this.b, 1)).isCloseTo(1, within(0.01));
		this.health.started(this.a);
		assertThat(this.health.cost(this.a, 1) / this.health.cost(this.b, 1)).as("one more outstanding")
			.isCloseTo(2, within(0.01));
		assertThat(this.health.cost(this.a, 2) / this.health.cost(this.b, 1)).as("twice the weight takes twice the load")
			.isCloseTo(1, within(0.01));
	}

	@Test
	void aRetryGoesToAnInstanceTheRequestHasNotTriedWhileThereIsOne() {
		warm(this.a, this.b);
		answer(this.b, Duration.ofSeconds(1), 200);
		Map<String, Object> attributes = new HashMap<>();
		InstanceHealth.tried(attributes, this.a);
		Request<RequestDataContext> retry = new DefaultRequest<>(new RequestDataContext(new RequestData(HttpMethod.GET,
				URI.create("http://svc/x"), new HttpHeaders(), new LinkedMultiValueMap<>(), attributes)));

		assertThat(this.health.cost(this.a, 1)).as("a looks cheaper").isLessThan(this.health.cost(this.b, 1));
		assertThat(LeastLoadedLoadBalancer.untried(List.of(this.a, this.b), retry)).containsExactly(this.b);
		InstanceHealth.tried(attributes, this.b);
		assertThat(LeastLoadedLoadBalancer.untried(List.of(this.a, this.b), retry)).as("tried both: either again")
			.containsExactly(this.a, this.b);
		assertThat(LeastLoadedLoadBalancer.untried(List.of(this.a, this.b), new DefaultRequest<>()))
			.as("a first attempt").containsExactly(this.a, this.b);
	}

	@Test
	void theLatencyAverageTakesPeaksAtOnceAndForgetsThemWithTime() {
		warm(this.a, this.b);
		double warm = this.health.cost(this.a, 1);
		answer(this.a, Duration.ofSeconds(2), 200);
		assertThat(this.health.cost(this.a, 1)).as("one slow answer").isGreaterThan(100 * warm);

		this.now.addAndGet(TimeUnit.SECONDS.toNanos(120));
		assertThat(this.health.cost(this.a, 1)).as("twelve decay times later, without a request: forgotten")
			.isEqualTo(this.health.cost(this.b, 1));
		answer(this.a, Duration.ofMillis(5), 200);
		assertThat(this.health.cost(this.a, 1)).as("then a fast answer").isGreaterThan(this.health.cost(this.b, 1));
	}

	@Test
	void consecutiveFailuresEjectAnInstanceForLongerEachTimeAndItComesBackSlowly() {
		warm(this.a, this.b);
		fail(this.a, 4);
		assertThat(this.health.admitted(List.of(this.a, this.b))).as("four failures").containsExactly(this.a, this.b);
		answer(this.a, Duration.ofMillis(5), 200);
		fail(this.a, 4);
		assertThat(this.health.admitted(List.of(this.a, this.b))).as("a success in between").contains(this.a);
		fail(this.a, 1);

		assertThat(this.health.admitted(List.of(this.a, this.b))).as("five in a row").containsExactly(this.b);
		assertThat(this.meters.get("keel.loadbalancer.ejections").tag("target", target(this.a)).counter().count())
			.isEqualTo(1);
		assertThat(this.meters.get("keel.loadbalancer.weight").tag("target", target(this.a)).gauge().value()).isZero();

		this.now.addAndGet(TimeUnit.SECONDS.toNanos(5));
		assertThat(this.health.admitted(List.of(this.a, this.b))).as("after the base time").contains(this.a);
		assertThat(this.meters.get("keel.loadbalancer.weight").tag("target", target(this.a)).gauge().value())
			.as("back at the bottom of its slow start").isEqualTo(0.1);

		fail(this.a, 5);
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(5));
		assertThat(this.health.admitted(List.of(this.a, this.b))).as("second ejection: twice as long")
			.containsExactly(this.b);
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(5));
		assertThat(this.health.admitted(List.of(this.a, this.b))).contains(this.a);
	}

	@Test
	void noMoreThanTheAllowedShareOfAServiceIsEjected() {
		warm(this.a, this.b);
		fail(this.a, 5);
		fail(this.b, 5);

		assertThat(this.health.admitted(List.of(this.a, this.b))).as("half of two: one").containsExactly(this.b);
		assertThat(this.meters.get("keel.loadbalancer.ejections").tag("target", target(this.b)).counter().count())
			.isZero();
	}

	@Test
	void whenEveryReadyInstanceIsEjectedTheyAreAllStillAdmitted() {
		this.health.stop();
		startHealth(balancing(100));
		warm(this.a, this.b);
		fail(this.a, 5);
		fail(this.b, 5);

		assertThat(this.health.admitted(List.of(this.a, this.b))).as("a fleet is never emptied")
			.containsExactly(this.a, this.b);
	}

	@Test
	void aNewlyReadyInstanceRampsItsShareOverTheSlowStartWindow() {
		warm(this.a);
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(60));
		ready(this.b);
		answer(this.a, Duration.ofMillis(5), 200);
		answer(this.b, Duration.ofMillis(5), 200);

		assertThat(this.health.cost(this.b, 1) / this.health.cost(this.a, 1)).isCloseTo(10, within(0.01));
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(10));
		assertThat(this.health.cost(this.b, 1) / this.health.cost(this.a, 1)).isCloseTo(2, within(0.01));
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(10));
		assertThat(this.health.cost(this.b, 1) / this.health.cost(this.a, 1)).isCloseTo(1, within(0.01));
	}

	@Test
	void aFailureIsTheInstancesOwnWhileAnotherInstanceOfTheServiceIsHealthy() {
		warm(this.a, this.b);
		fail(this.a, 1);
		assertThat(this.health.hasHealthyPeer(this.a)).isTrue();

		fail(this.b, 2);
		assertThat(this.health.hasHealthyPeer(this.a)).as("b failed 2 of its last 3").isTrue();
		fail(this.b, 1);
		assertThat(this.health.hasHealthyPeer(this.a)).as("b fails over a quarter of its requests").isFalse();
		assertThat(this.health.hasHealthyPeer(this.b)).as("a failed one request of two: b's failures are b's")
			.isTrue();
		fail(this.a, 2);
		assertThat(this.health.hasHealthyPeer(this.b)).as("both failing: the service is").isFalse();
	}

	@Test
	void aServiceAnsweringThe503ItMeansIsNotEjectedForIt() {
		warm(this.a, this.b);
		for (int i = 0; i < 10; i++) {
			answer(this.a, Duration.ofMillis(5), 503);
		}

		assertThat(this.health.admitted(List.of(this.a, this.b))).containsExactly(this.a, this.b);
		assertThat(this.health.hasHealthyPeer(this.b)).as("a 503 is not the instance's failure").isTrue();
	}

	@Test
	void anInstanceThatDoesNotTakeTrafficLeavesNoPlaceToEjectAnother() {
		warm(this.a, this.b);
		this.health.started(this.b).failed(new java.net.ConnectException("Connection refused"));
		fail(this.a, 5);

		assertThat(this.health.admitted(List.of(this.a, this.b))).containsExactly(this.a);
		assertThat(this.meters.get("keel.loadbalancer.ejections").tag("target", target(this.a)).counter().count())
			.isZero();
	}

	@Test
	void anInstanceNotAnsweredYetIsAssumedAsSlowAsItsPeers() {
		warm(this.a);
		answer(this.a, Duration.ofMillis(50), 200);
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(60));
		ready(this.b);
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(20));

		assertThat(this.health.cost(this.b, 1) / this.health.cost(this.a, 1)).isCloseTo(1, within(0.01));
	}

	@Test
	void aWaitTheCallerGaveUpOnCountsAsAPeakNotAsAFailure() {
		warm(this.a, this.b);
		InstanceHealth.Call call = this.health.started(this.a);
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(2));
		call.abandoned();

		assertThat(this.health.cost(this.a, 1) / this.health.cost(this.b, 1)).isGreaterThan(100);
		assertThat(this.health.hasHealthyPeer(this.b)).isTrue();
	}

	@Test
	void aCallEndsOnceAndAnAbandonedOneSaysNothingOfTheInstance() {
		warm(this.a, this.b);
		InstanceHealth.Call call = this.health.started(this.a);
		call.abandoned();
		call.failed(new SocketTimeoutException());
		fail(this.a, 4);

		assertThat(this.health.admitted(List.of(this.a, this.b))).contains(this.a);
		assertThat(this.meters.get("keel.loadbalancer.outstanding").tag("target", target(this.a)).gauge().value())
			.isZero();
	}

	/** Probed ready, now. */
	private void ready(ServiceInstance... instances) {
		List<ServiceInstance> all = List.of(instances);
		this.health.admitted(all);
		await().atMost(Duration.ofSeconds(30))
			.until(() -> all.stream().allMatch((instance) -> this.health.state(instance) == InstanceHealth.State.READY));
	}

	/** Ready, past slow start, with one fast answer each. */
	private void warm(ServiceInstance... instances) {
		List<ServiceInstance> all = List.of(instances);
		ready(instances);
		this.now.addAndGet(TimeUnit.SECONDS.toNanos(20));
		all.forEach((instance) -> answer(instance, Duration.ofMillis(5), 200));
	}

	private void answer(ServiceInstance instance, Duration latency, int status) {
		InstanceHealth.Call call = this.health.started(instance);
		this.now.addAndGet(latency.toNanos());
		call.answered(status);
	}

	private void fail(ServiceInstance instance, int times) {
		for (int i = 0; i < times; i++) {
			InstanceHealth.Call call = this.health.started(instance);
			this.now.addAndGet(TimeUnit.MILLISECONDS.toNanos(5));
			if (i % 2 == 0) {
				call.answered(500);
			}
			else {
				call.failed(new SocketTimeoutException("Read timed out"));
			}
		}
	}

	private LeastLoadedLoadBalancer balancer() {
		return new LeastLoadedLoadBalancer(null, this.health, KeelLoadBalancerConfiguration.nacosWeight());
	}

	private int ready() throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/readyz", (exchange) -> {
			exchange.sendResponseHeaders(200, -1);
			exchange.close();
		});
		server.start();
		this.servers.add(server);
		return server.getAddress().getPort();
	}

	private static ServiceInstance instance(int port) {
		return new DefaultServiceInstance("svc-" + port, "svc", "127.0.0.1", port, false, Map.of());
	}

	private static String target(ServiceInstance instance) {
		return instance.getHost() + ":" + instance.getPort();
	}

}
