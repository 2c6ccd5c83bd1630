package dev.keel.platform.client;

import java.io.IOException;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;

import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

import dev.keel.platform.config.LiveProperties;
import dev.keel.platform.discovery.InstanceHealth;

/**
 * {@link RestClient}s for calling other services by name, with what calls between services need:
 * load balancing over admitted instances, connect and read timeouts, a bulkhead, a circuit breaker,
 * retries on another instance for safe methods, and the service's own access token ({@link ServiceToken}, when
 * it has {@code keel.client-credentials}). Configured
 * per service under {@code keel.clients.<service>} ({@link ServiceClientSettings}) and Resilience4j's instances
 * of the same name.
 * <pre>
 * this.users = clients.builder("user-service").build();
 * this.users.get().uri("/api/v1/users/{id}", id).retrieve().body(User.class);
 * </pre>
 * Failures surface as {@code RestClientException}s: {@code ResourceAccessException} when the service could
 * not answer (unreachable, timed out, circuit open: see {@link ServiceCallRefused}), and the usual status
 * exceptions for its answers.
 */
public class ServiceClients {

	private final RestClient.Builder template;

	private final LoadBalancerClient loadBalancer;

	private final InstanceHealth health;

	private final CircuitBreakerRegistry circuitBreakers;

	private final BulkheadRegistry bulkheads;

	private final RetryRegistry retries;

	private final LiveProperties live;

	private final Optional<ServiceToken> token;

	public ServiceClients(RestClient.Builder template, LoadBalancerClient loadBalancer, InstanceHealth health,
			CircuitBreakerRegistry circuitBreakers, BulkheadRegistry bulkheads, RetryRegistry retries,
			LiveProperties live, Optional<ServiceToken> token) {
		this.template = template;
		this.loadBalancer = loadBalancer;
		this.health = health;
		this.circuitBreakers = circuitBreakers;
		this.bulkheads = bulkheads;
		this.retries = retries;
		this.live = live;
		this.token = token;
	}

	/**
	 * A builder for a client of the given service, its base URL {@code http://<service>}. Its settings and
	 * Resilience4j instances follow configuration refreshes.
	 */
	public RestClient.Builder builder(String serviceId) {
		LiveProperties.Live<ServiceClientSettings> settings = this.live.bind("keel.clients." + serviceId,
				ServiceClientSettings.class);
		AtomicReference<Map.Entry<ServiceClientSettings, ResilientRequestFactory.Policies>> current = new AtomicReference<>();
		ResilientRequestFactory factory = new ResilientRequestFactory(serviceId, this.loadBalancer, this.health,
				() -> policies(serviceId, settings.get(), current));
		RestClient.Builder builder = this.template.clone().baseUrl("http://" + serviceId).requestFactory(factory);
		this.token.ifPresent((token) -> builder.requestInterceptors((interceptors) -> interceptors.add(token)));
		return builder;
	}

	private ResilientRequestFactory.Policies policies(String serviceId, ServiceClientSettings settings,
			AtomicReference<Map.Entry<ServiceClientSettings, ResilientRequestFactory.Policies>> current) {
		Map.Entry<ServiceClientSettings, ResilientRequestFactory.Policies> known = current.get();
		Retry safe;
		Retry unsafe;
		JdkClientHttpRequestFactory transport;
		if (known != null && known.getKey().equals(settings)) {
			transport = (JdkClientHttpRequestFactory) known.getValue().transport();
			safe = known.getValue().safeRetry();
			unsafe = known.getValue().unsafeRetry();
		}
		else {
			HttpClient http = HttpClient.newBuilder()
				.connectTimeout(settings.connectTimeout())
				.version(HttpClient.Version.HTTP_1_1)
				.build();
			transport = new JdkClientHttpRequestFactory(http);
			transport.setReadTimeout(settings.readTimeout());
			safe = retry("client-" + serviceId, settings, true);
			unsafe = retry("client-" + serviceId + "-unsafe", settings, false);
		}
		// The registries may be rebuilt by a refresh (new circuit breaker settings): ask them every time.
		ResilientRequestFactory.Policies policies = new ResilientRequestFactory.Policies(transport,
				this.bulkheads.bulkhead(serviceId), this.circuitBreakers.circuitBreaker(serviceId), safe, unsafe);
		current.set(Map.entry(settings, policies));
		return policies;
	}

	/**
	 * Safe methods retry connection failures, I/O errors and 502/503/504 answers; other methods only
	 * refused connections, which never reached the service.
	 */
	private Retry retry(String name, ServiceClientSettings settings, boolean safe) {
		RetryConfig config = RetryConfig.<ClientHttpResponse>custom()
			.maxAttempts(settings.maxAttempts())
			.intervalFunction(IntervalFunction.of(settings.backoff()))
			.retryOnException((failure) -> !(failure instanceof ServiceCallRefused)
					&& (InstanceHealth.isConnectFailure(failure) || (safe && failure instanceof IOException)))
			.retryOnResult((response) -> safe && ResilientRequestFactory.isRetryableAnswer(response))
			.consumeResultBeforeRetryAttempt((attempt, response) -> response.close())
			.failAfterMaxAttempts(false)
			.build();
		Retry retry = Retry.of(name, config);
		if (this.retries.find(name).isPresent()) {
			this.retries.replace(name, retry);
			return retry;
		}
		return this.retries.retry(name, () -> config);
	}

}
