package dev.keel.auth.accounts;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

class SignInAddressTests {

	@Test
	void theGatewaysLastEntryFromAPrivatePeer() {
		assertThat(SignInAddress.of(request("10.0.0.5", "198.51.100.1, 192.0.2.44"))).isEqualTo("192.0.2.44");
		assertThat(SignInAddress.of(request("100.64.3.4", "192.0.2.45"))).isEqualTo("192.0.2.45");
		assertThat(SignInAddress.of(request("127.0.0.1", "192.0.2.46"))).isEqualTo("192.0.2.46");
	}

	@Test
	void anIPv6AddressCountsAsItsSlash64() {
		assertThat(SignInAddress.of(request("127.0.0.1", "2001:db8:1:2::1"))).isEqualTo("2001:db8:1:2:0:0:0:0/64");
		assertThat(SignInAddress.of(request("127.0.0.1", "2001:db8:1:2:ffff::9"))).isEqualTo("2001:db8:1:2:0:0:0:0/64");
		assertThat(SignInAddress.of(request("2001:db8:9::1", null))).isEqualTo("2001:db8:9:0:0:0:0:0/64");
	}

	@Test
	void aPrivatePeerThatSaysNothingOfTheClientIsNoAddress() {
		assertThat(SignInAddress.of(request("127.0.0.1", null))).isNull();
		assertThat(SignInAddress.of(request("10.0.0.5", null))).isNull();
	}

	@Test
	void aForwardedForFromOutsideTheNetworkIsNotBelieved() {
		assertThat(SignInAddress.of(request("203.0.113.9", "198.51.100.1"))).isEqualTo("203.0.113.9");
	}

	@Test
	void whatIsNotAnAddressIsNeverLookedUp() {
		assertThat(SignInAddress.of(request("127.0.0.1", "not-an-address.example"))).isNull();
		assertThat(SignInAddress.of(request("127.0.0.1", "deadbeef"))).isNull();
		assertThat(SignInAddress.of(request("127.0.0.1", "1".repeat(500)))).isNull();
	}

	private static MockHttpServletRequest request(String peer, String forwardedFor) {
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setRemoteAddr(peer);
		if (forwardedFor != null) {
			request.addHeader("X-Forwarded-For", forwardedFor);
		}
		return request;
	}

}
