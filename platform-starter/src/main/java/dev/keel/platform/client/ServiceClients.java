package dev.keel.platform.client;

import java.io.IOException;
import java.net.http.HttpClient;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;
import org.springframework.core.env.Environment;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

import dev.keel.platform.discovery.InstanceHealth;

/**
 * {@link RestClient}s for calling other services by name, with what calls between services need:
 * load balancing over admitted instances, connect and read timeouts, a bulkhead, a circuit breaker, and
 * retries on another instance for safe methods. Configured per service under {@code keel.clients.<service>}
 * ({@link ServiceClientSettings}) and Resilience4j's instances of the same name.
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

	private final Environment environment;

	public ServiceClients(RestClient.Builder template, LoadBalancerClient loadBalancer, InstanceHealth health,
			CircuitBreakerRegistry circuitBreakers, BulkheadRegistry bulkheads, RetryRegistry retries,
			Environment environment) {
		this.template = template;
		this.loadBalancer = loadBalancer;
		this.health = health;
		this.circuitBreakers = circuitBreakers;
		this.bulkheads = bulkheads;
		this.retries = retries;
		this.environment = environment;
	}

	/**
	 * A builder for a client of the given service, its base URL {@code http://<service>}.
	 */
	public RestClient.Builder builder(String serviceId) {
		ServiceClientSettings settings = settings(serviceId);
		HttpClient http = HttpClient.newBuilder()
			.connectTimeout(settings.connectTimeout())
			.version(HttpClient.Version.HTTP_1_1)
			.build();
		JdkClientHttpRequestFactory transport = new JdkClientHttpRequestFactory(http);
		transport.setReadTimeout(settings.readTimeout());
		ResilientRequestFactory factory = new ResilientRequestFactory(serviceId, this.loadBalancer, this.health,
				transport, this.bulkheads.bulkhead(serviceId), this.circuitBreakers.circuitBreaker(serviceId),
				retry("client-" + serviceId, settings, true), retry("client-" + serviceId + "-unsafe", settings, false));
		return this.template.clone().baseUrl("http://" + serviceId).requestFactory(factory);
	}

	ServiceClientSettings settings(String serviceId) {
		return Binder.get(this.environment)
			.bindOrCreate("keel.clients." + serviceId, Bindable.of(ServiceClientSettings.class));
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
		return this.retries.retry(name, () -> config);
	}

}
