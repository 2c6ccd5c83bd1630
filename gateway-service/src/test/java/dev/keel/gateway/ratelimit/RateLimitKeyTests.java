package dev.keel.gateway.ratelimit;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitKeyTests {

	@Test
	void anIpv4ClientIsItsAddress() {
		assertThat(RateLimitGatewayFilterFactory.client(from("203.0.113.7"))).isEqualTo("203.0.113.7");
	}

	@Test
	void everyAddressOfAnIpv6NetworkSharesOneBucket() {
		String one = RateLimitGatewayFilterFactory.client(from("2001:db8:1:2::1"));
		String other = RateLimitGatewayFilterFactory.client(from("2001:db8:1:2:ffff:ffff:ffff:ffff"));

		assertThat(one).isEqualTo(other).isEqualTo("2001:db8:1:2:0:0:0:0/64");
		assertThat(RateLimitGatewayFilterFactory.client(from("2001:db8:1:3::1"))).isNotEqualTo(one);
	}

	@Test
	void anIpv4MappedAddressIsTheIpv4ClientWhateverItsScope() throws Exception {
		byte[] mapped = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 203, 0, 113, 7 };
		InetSocketAddress scoped = new InetSocketAddress(Inet6Address.getByAddress(null, mapped, 1), 40000);

		assertThat(RateLimitGatewayFilterFactory.client(MockServerHttpRequest.get("/").remoteAddress(scoped).build()))
			.isEqualTo("203.0.113.7");
	}

	@Test
	void aRequestWithoutAPeerIsOneUnknownClient() {
		assertThat(RateLimitGatewayFilterFactory.client(MockServerHttpRequest.get("/").build())).isEqualTo("unknown");
	}

	private static MockServerHttpRequest from(String address) {
		return MockServerHttpRequest.get("/").remoteAddress(new InetSocketAddress(address, 40000)).build();
	}

}
