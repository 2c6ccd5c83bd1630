package dev.keel.gateway.ratelimit;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;

import dev.keel.gateway.AuthenticatedSubject;
import dev.keel.gateway.RouteConfig;

/**
 * A Bucket4j token bucket per client and route. The client is the subject of its verified access token
 * ({@link AuthenticatedSubject}), prefixed so that it never shares a bucket with an address, and on public routes its
 * address as the gateway resolves it (the peer, or behind trusted proxies the address they
 * report); never a header the client chooses: an unverified API key would let a client rotate keys for unlimited
 * quota, or spend someone else's.
 * <p>
 * Every answer carries {@code RateLimit-Limit} and {@code RateLimit-Remaining}; a request without a token gets
 * 429 with {@code Retry-After}. Buckets outlive the route definitions, which Spring Cloud Gateway rebuilds on
 * every configuration refresh: an unrelated commit must not refill every client's bucket. Changed limits apply
 * to existing buckets with the tokens they hold. Buckets live in this gateway's memory: with N gateways behind
 * a load balancer a client gets up to N times the limit; a shared store (Bucket4j over Redis) makes it global.
 */
@Component
public class RateLimitGatewayFilterFactory extends AbstractGatewayFilterFactory<RateLimitGatewayFilterFactory.Config> {

	static final String LIMIT_HEADER = "RateLimit-Limit";

	static final String REMAINING_HEADER = "RateLimit-Remaining";

	private final MeterRegistry meters;

	/** Per route: as many entries as routes. */
	private final Map<String, Cache<String, ClientBucket>> bucketsByRoute = new ConcurrentHashMap<>();

	public RateLimitGatewayFilterFactory(MeterRegistry meters) {
		super(Config.class);
		this.meters = meters;
	}

	@Override
	public GatewayFilter apply(Config config) {
		BucketConfiguration limits = BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(config.getBurstCapacity())
				.refillGreedy(config.getReplenishRate(), Duration.ofSeconds(1)))
			.build();
		Cache<String, ClientBucket> buckets = this.bucketsByRoute.compute(config.getRouteId(), (route, existing) -> {
			if (existing == null) {
				return Caffeine.newBuilder()
					.maximumSize(config.getMaxClients())
					.expireAfterAccess(Duration.ofMinutes(10))
					.build();
			}
			existing.policy().eviction().ifPresent((eviction) -> eviction.setMaximum(config.getMaxClients()));
			return existing;
		});
		Counter limited = Counter.builder("keel.gateway.rate.limited")
			.description("Requests refused with 429 because the client's token bucket was empty")
			.tag("route", String.valueOf(config.getRouteId()))
			.register(this.meters);
		String limitHeader = String.valueOf(config.getBurstCapacity());
		return (exchange, chain) -> {
			String subject = exchange.getAttribute(AuthenticatedSubject.ATTRIBUTE);
			String client = (subject != null) ? "subject:" + subject : client(exchange.getRequest());
			ClientBucket bucket = buckets.get(client, (key) -> new ClientBucket(limits));
			ConsumptionProbe probe = bucket.take(limits);
			exchange.getResponse().getHeaders().set(LIMIT_HEADER, limitHeader);
			exchange.getResponse().getHeaders().set(REMAINING_HEADER, String.valueOf(probe.getRemainingTokens()));
			if (!probe.isConsumed()) {
				limited.increment();
				long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999));
				return Mono.error(new RateLimited(config.getBurstCapacity(), retryAfter));
			}
			return chain.filter(exchange);
		};
	}

	/**
	 * The client's address, as {@code ClientAddressFilter} resolved it; for IPv6 its /64 network, since one
	 * subscriber commonly holds a whole /64 and could otherwise take a fresh bucket with every address in it.
	 */
	static String client(ServerHttpRequest request) {
		InetSocketAddress remote = request.getRemoteAddress();
		if (remote == null || remote.getAddress() == null) {
			return "unknown";
		}
		InetAddress address = remote.getAddress();
		if (!(address instanceof Inet6Address)) {
			return address.getHostAddress();
		}
		byte[] bytes = address.getAddress();
		try {
			if (isIpv4Mapped(bytes)) {
				// ::ffff:a.b.c.d (a scoped literal stays an Inet6Address): the IPv4 client it is.
				return InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16)).getHostAddress();
			}
			Arrays.fill(bytes, 8, 16, (byte) 0);
			// Without the scope: the network, whatever interface it was reached on.
			return InetAddress.getByAddress(bytes).getHostAddress() + "/64";
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex); // 4 or 16 bytes are always an address
		}
	}

	private static boolean isIpv4Mapped(byte[] address) {
		for (int i = 0; i < 10; i++) {
			if (address[i] != 0) {
				return false;
			}
		}
		return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
	}

	/** One client's bucket, and the limits it was last used with. */
	private static final class ClientBucket {

		private final Bucket bucket;

		private volatile BucketConfiguration limits;

		ClientBucket(BucketConfiguration limits) {
			LocalBucketBuilder builder = Bucket.builder();
			for (Bandwidth limit : limits.getBandwidths()) {
				builder.addLimit(limit);
			}
			this.bucket = builder.build();
			this.limits = limits;
		}

		ConsumptionProbe take(BucketConfiguration current) {
			if (!current.equals(this.limits)) {
				synchronized (this) {
					if (!current.equals(this.limits)) {
						this.bucket.replaceConfiguration(current, TokensInheritanceStrategy.AS_IS);
						this.limits = current;
					}
				}
			}
			return this.bucket.tryConsumeAndReturnRemaining(1);
		}

	}

	/** Per route: the bucket of each client. */
	public static class Config extends RouteConfig {

		private long replenishRate = 50;

		private long burstCapacity = 100;

		private long maxClients = 100_000;

		/** Tokens added per second. */
		public long getReplenishRate() {
			return this.replenishRate;
		}

		public void setReplenishRate(long replenishRate) {
			this.replenishRate = replenishRate;
		}

		/** Tokens a bucket holds at most: the burst a client may send at once. */
		public long getBurstCapacity() {
			return this.burstCapacity;
		}

		public void setBurstCapacity(long burstCapacity) {
			this.burstCapacity = burstCapacity;
		}

		/** Clients remembered per route; the least recently seen are forgotten first. */
		public long getMaxClients() {
			return this.maxClients;
		}

		public void setMaxClients(long maxClients) {
			this.maxClients = maxClients;
		}

	}

}
