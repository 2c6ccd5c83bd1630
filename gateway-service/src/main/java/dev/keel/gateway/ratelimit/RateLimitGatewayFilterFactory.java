package dev.keel.gateway.ratelimit;

import java.net.InetSocketAddress;
import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;


import dev.keel.gateway.RouteConfig;
/**
 * A token bucket per client and route: the client is its API key when it sends one, else its address. Every
 * answer carries {@code RateLimit-Limit} and {@code RateLimit-Remaining}; a request without a token gets 429
 * with {@code Retry-After}.
 * <p>
 * Buckets live in this gateway instance's memory: with N gateways behind a load balancer a client gets up
 * to N times the limit. A shared store (Redis) is the way to make the limit global.
 */
@Component
public class RateLimitGatewayFilterFactory extends AbstractGatewayFilterFactory<RateLimitGatewayFilterFactory.Config> {

	static final String LIMIT_HEADER = "RateLimit-Limit";

	static final String REMAINING_HEADER = "RateLimit-Remaining";

	private final MeterRegistry meters;

	public RateLimitGatewayFilterFactory(MeterRegistry meters) {
		super(Config.class);
		this.meters = meters;
	}

	@Override
	public GatewayFilter apply(Config config) {
		// Bounded, so that a flood of made-up API keys cannot exhaust memory; idle buckets are full anyway.
		Cache<String, TokenBucket> buckets = Caffeine.newBuilder()
			.maximumSize(config.getMaxClients())
			.expireAfterAccess(Duration.ofMinutes(10))
			.build();
		Counter limited = Counter.builder("keel.gateway.rate.limited")
			.description("Requests refused with 429 because the client's token bucket was empty")
			.tag("route", String.valueOf(config.getRouteId()))
			.register(this.meters);
		return (exchange, chain) -> {
			String client = client(exchange.getRequest(), config.getApiKeyHeader());
			TokenBucket bucket = buckets.get(client,
					(key) -> new TokenBucket(config.getBurstCapacity(), config.getReplenishRate(), System.nanoTime()));
			TokenBucket.Decision decision = bucket.tryTake(System.nanoTime());
			exchange.getResponse().getHeaders().set(LIMIT_HEADER, String.valueOf(config.getBurstCapacity()));
			exchange.getResponse().getHeaders().set(REMAINING_HEADER, String.valueOf(decision.remaining()));
			if (!decision.allowed()) {
				limited.increment();
				return Mono.error(new RateLimited(config.getBurstCapacity(), decision.retryAfterSeconds()));
			}
			return chain.filter(exchange);
		};
	}

	static String client(ServerHttpRequest request, String apiKeyHeader) {
		String apiKey = request.getHeaders().getFirst(apiKeyHeader);
		if (apiKey != null && !apiKey.isBlank()) {
			return "key:" + apiKey;
		}
		InetSocketAddress remote = request.getRemoteAddress();
		return "address:" + ((remote != null && remote.getAddress() != null) ? remote.getAddress().getHostAddress()
				: "unknown");
	}

	/** Per route: the bucket of each client. */
	public static class Config extends RouteConfig {

		private double replenishRate = 50;

		private int burstCapacity = 100;

		private String apiKeyHeader = "X-API-Key";

		private int maxClients = 100_000;

		public double getReplenishRate() {
			return this.replenishRate;
		}

		public void setReplenishRate(double replenishRate) {
			this.replenishRate = replenishRate;
		}

		public int getBurstCapacity() {
			return this.burstCapacity;
		}

		public void setBurstCapacity(int burstCapacity) {
			this.burstCapacity = burstCapacity;
		}

		public String getApiKeyHeader() {
			return this.apiKeyHeader;
		}

		public void setApiKeyHeader(String apiKeyHeader) {
			this.apiKeyHeader = apiKeyHeader;
		}

		public int getMaxClients() {
			return this.maxClients;
		}

		public void setMaxClients(int maxClients) {
			this.maxClients = maxClients;
		}

	}

}
