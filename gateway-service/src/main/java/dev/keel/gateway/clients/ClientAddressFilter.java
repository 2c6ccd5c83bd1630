package dev.keel.gateway.clients;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.keel.platform.config.LiveProperties;

/**
 * The client's address, as far as the gateway can know it before clients authenticate: the address that
 * connected, unless that is a trusted proxy ({@code keel.gateway.trusted-proxies}, e.g. the edge), in which case
 * the address before the trusted proxies in {@code X-Forwarded-For}, read from the right, where each trusted
 * proxy appended what it saw. What a client writes into that header itself is never believed, and forwarding
 * headers from anyone but a trusted proxy are removed, so that no service behind takes them for facts either.
 * Rate limits and logs use this address ({@code request.getRemoteAddress()} from here on), and the services behind
 * get it as the only entry of {@code X-Forwarded-For} (auth-service counts failed sign-ins per address with it).
 * <p>
 * Spring's {@code ForwardedHeaderTransformer} and Reactor Netty's forwarded support believe the leftmost entry of
 * {@code X-Forwarded-For}, from any sender (Boot has no trusted-proxy setting for Netty), which a client
 * writes: hence this filter, and {@code server.forward-headers-strategy: none}.
 */
@Component
class ClientAddressFilter implements WebFilter, Ordered {

	static final Set<String> FORWARDING_HEADERS = Set.of("Forwarded", "X-Forwarded-For", "X-Forwarded-Host",
			"X-Forwarded-Port", "X-Forwarded-Proto", "X-Forwarded-Prefix", "X-Real-IP");

	private final Supplier<ClientAddressProperties> properties;

	private volatile TrustedProxies trusted = new TrustedProxies(List.of());

	ClientAddressFilter(LiveProperties live) {
		this.properties = live.bind("keel.gateway", ClientAddressProperties.class);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		InetSocketAddress peer = request.getRemoteAddress();
		if (peer == null) {
			return chain.filter(exchange.mutate()
				.request(request.mutate().headers((headers) -> FORWARDING_HEADERS.forEach(headers::remove)).build())
				.build());
		}
		TrustedProxies trusted = trustedProxies();
		boolean fromTrustedProxy = trusted.contains(peer.getAddress());
		InetSocketAddress client = fromTrustedProxy ? clientBehind(peer, request.getHeaders().get("X-Forwarded-For"), trusted)
				: peer;
		// What the services behind are told: the address resolved here, as the only X-Forwarded-For entry.
		ServerHttpRequest forwarded = request.mutate().headers((headers) -> {
			if (!fromTrustedProxy) {
				FORWARDING_HEADERS.forEach(headers::remove);
			}
			headers.set("X-Forwarded-For", client.getAddress().getHostAddress());
		}).build();
		ServerHttpRequest decorated = new ServerHttpRequestDecorator(forwarded) {

			@Override
			public InetSocketAddress getRemoteAddress() {
				return client;
			}

		};
		return chain.filter(exchange.mutate().request(decorated).build());
	}

	/**
	 * The first address, from the right of {@code X-Forwarded-For}, that is not a trusted proxy; the peer itself
	 * when the header says nothing usable.
	 */
	static InetSocketAddress clientBehind(InetSocketAddress peer, List<String> forwardedFor, TrustedProxies trusted) {
		if (forwardedFor == null) {
			return peer;
		}
		List<String> hops = forwardedFor.stream()
			.flatMap((value) -> Pattern.compile(",").splitAsStream(value))
			.map(String::strip)
			.toList();
		InetSocketAddress client = peer;
		for (int i = hops.size() - 1; i >= 0; i--) {
			InetAddress hop = literal(hops.get(i));
			if (hop == null) {
				// A trusted proxy wrote something that is not an address: the last hop it vouched for stands.
				return client;
			}
			client = new InetSocketAddress(hop, 0);
			if (!trusted.contains(hop)) {
				return client;
			}
		}
		return client;
	}

	/** An address literal, never looked up in DNS; {@code null} for anything else. */
	static InetAddress literal(String value) {
		String address = (value.startsWith("[") && value.endsWith("]")) ? value.substring(1, value.length() - 1) : value;
		return NetUtil.createInetAddressFromIpAddressString(address);
	}

	private TrustedProxies trustedProxies() {
		List<String> configured = this.properties.get().trustedProxies();
		TrustedProxies current = this.trusted;
		if (!current.ranges().equals(configured)) {
			current = new TrustedProxies(configured);
			this.trusted = current;
		}
		return current;
	}

	/** Before everything that looks at the client: after the correlation filter, which only names the request. */
	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 1;
	}

	/** The configured proxies, as address ranges ({@code 10.0.0.0/8}; a single address is its own range). */
	record TrustedProxies(List<String> ranges, List<IpSubnetFilterRule> rules) {

		TrustedProxies(List<String> ranges) {
			this(List.copyOf(ranges), ranges.stream().map(ClientAddressProperties::range).toList());
		}

		boolean contains(InetAddress address) {
			if (address == null) {
				return false;
			}
			InetSocketAddress socket = new InetSocketAddress(address, 0);
			return this.rules.stream().anyMatch((rule) -> rule.matches(socket));
		}

	}

}
