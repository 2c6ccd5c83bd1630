package dev.keel.platform.client;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.AbstractClientHttpRequest;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.util.FastByteArrayOutputStream;
import org.springframework.util.LinkedMultiValueMap;

import dev.keel.platform.discovery.InstanceHealth;

/**
 * Sends each request of a service client through, outermost first: a bulkhead (at most so many calls at
 * once), a circuit breaker (fail fast while the service is failing) and a retry in which every attempt
 * picks an instance anew from the load balancer. Requests are built against the service name
 * ({@code http://user-service/...}) and only here resolved to an instance, per attempt, which a
 * {@code ClientHttpRequestInterceptor} cannot do.
 * <p>
 * Each attempt is reported to {@link InstanceHealth} (what the least-loaded balancer weighs, what ejects an
 * instance). As at the gateway, the circuit breaker counts the service's failures, not one instance's: while
 * closed, a failure on an instance with a healthy peer is left to ejection.
 */
class ResilientRequestFactory implements ClientHttpRequestFactory {

	private static final Set<HttpMethod> SAFE_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

	private static final Set<Integer> FAILED_ANSWERS = Set.of(500, 502, 503, 504);

	private final String serviceId;

	private final LoadBalancerClient loadBalancer;

	private final InstanceHealth health;

	private final Supplier<Policies> policies;

	ResilientRequestFactory(String serviceId, LoadBalancerClient loadBalancer, InstanceHealth health,
			Supplier<Policies> policies) {
		this.serviceId = serviceId;
		this.loadBalancer = loadBalancer;
		this.health = health;
		this.policies = policies;
	}

	/**
	 * What a call goes through, as of the current configuration (looked up per request, so that a refresh
	 * applies to the next call).
	 */
	record Policies(ClientHttpRequestFactory transport, Bulkhead bulkhead, CircuitBreaker circuitBreaker,
			Retry safeRetry, Retry unsafeRetry) {
	}

	@Override
	public ClientHttpRequest createRequest(URI uri, HttpMethod method) {
		return new ResilientRequest(uri, method, this.policies.get());
	}

	static boolean isSafe(HttpMethod method) {
		return SAFE_METHODS.contains(method);
	}

	static boolean isRetryableAnswer(ClientHttpResponse response) {
		try {
			int status = response.getStatusCode().value();
			return status == 502 || status == 503 || status == 504;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private final class ResilientRequest extends AbstractClientHttpRequest {

		private final URI uri;

		private final HttpMethod method;

		private final FastByteArrayOutputStream body = new FastByteArrayOutputStream(1024);

		private final Bulkhead bulkhead;

		private final CircuitBreaker circuitBreaker;

		private final Retry retry;

		private final ClientHttpRequestFactory transport;

		/** The instance of the last attempt, if one was chosen. */
		private volatile ServiceInstance lastInstance;

		/** What the load balancer is told of this request: the instances its earlier attempts went to. */
		private final Map<String, Object> attributes = new ConcurrentHashMap<>();

		ResilientRequest(URI uri, HttpMethod method, Policies policies) {
			this.uri = uri;
			this.method = method;
			this.bulkhead = policies.bulkhead();
			this.circuitBreaker = policies.circuitBreaker();
			this.retry = isSafe(method) ? policies.safeRetry() : policies.unsafeRetry();
			this.transport = policies.transport();
		}

		@Override
		public HttpMethod getMethod() {
			return this.method;
		}

		@Override
		public URI getURI() {
			return this.uri;
		}

		@Override
		protected OutputStream getBodyInternal(HttpHeaders headers) {
			return this.body;
		}

		@Override
		protected ClientHttpResponse executeInternal(HttpHeaders headers) throws IOException {
			try {
				this.bulkhead.acquirePermission();
			}
			catch (BulkheadFullException ex) {
				throw new ServiceCallRefused(serviceId + " has too many calls in flight", ex);
			}
			try {
				this.circuitBreaker.acquirePermission();
			}
			catch (CallNotPermittedException ex) {
				this.bulkhead.releasePermission();
				throw new ServiceCallRefused("the circuit breaker of " + serviceId + " is open", ex);
			}
			long start = this.circuitBreaker.getCurrentTimestamp();
			try {
				ClientHttpResponse response = this.retry.executeCheckedSupplier(() -> attempt(headers));
				long elapsed = this.circuitBreaker.getCurrentTimestamp() - start;
				int status = response.getStatusCode().value();
				if (InstanceHealth.isInstanceFailure(status) && oneInstancesFailure()) {
					this.circuitBreaker.releasePermission();
				}
				else if (FAILED_ANSWERS.contains(status)) {
					this.circuitBreaker.onError(elapsed, this.circuitBreaker.getTimestampUnit(),
							new IOException(serviceId + " answered " + status));
				}
				else {
					this.circuitBreaker.onSuccess(elapsed, this.circuitBreaker.getTimestampUnit());
				}
				return response;
			}
			catch (Throwable failure) {
				if (!(failure instanceof ServiceCallRefused) && oneInstancesFailure()) {
					this.circuitBreaker.releasePermission();
				}
				else {
					this.circuitBreaker.onError(this.circuitBreaker.getCurrentTimestamp() - start,
							this.circuitBreaker.getTimestampUnit(), failure);
				}
				if (failure instanceof IOException io) {
					throw io;
				}
				if (failure instanceof RuntimeException runtime) {
					throw runtime;
				}
				throw new IOException(failure);
			}
			finally {
				this.bulkhead.releasePermission();
			}
		}

		private boolean oneInstancesFailure() {
			ServiceInstance last = this.lastInstance;
			return this.circuitBreaker.getState() == CircuitBreaker.State.CLOSED && last != null
					&& health.hasHealthyPeer(last);
		}

		private ClientHttpResponse attempt(HttpHeaders headers) throws IOException {
			ServiceInstance instance = loadBalancer.choose(serviceId, new DefaultRequest<>(new RequestDataContext(
					new RequestData(this.method, this.uri, headers, new LinkedMultiValueMap<>(), this.attributes))));
			this.lastInstance = instance;
			if (instance == null) {
				throw new ServiceCallRefused("no instance of " + serviceId + " is available", null);
			}
			// A retry goes elsewhere while another instance is admitted (each attempt "on the next instance").
			InstanceHealth.tried(this.attributes, instance);
			URI target = loadBalancer.reconstructURI(instance, this.uri);
			InstanceHealth.Call call = health.started(instance);
			ClientHttpResponse response = null;
			try {
				ClientHttpRequest request = this.transport.createRequest(target, this.method);
				request.getHeaders().putAll(headers);
				if (this.body.size() > 0) {
					this.body.writeTo(request.getBody());
				}
				response = request.execute();
				call.answered(response.getStatusCode().value());
				return response;
			}
			catch (Throwable failure) {
				// Whatever went wrong (an Error too) ends the call: one left outstanding would weigh on the
				// instance for ever. A response whose status could not be read is closed here, not leaked.
				call.failed(failure);
				if (response != null) {
					response.close();
				}
				throw failure;
			}
		}

	}

}
