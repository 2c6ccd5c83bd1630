package dev.keel.auth.accounts;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

class SignInAddressTests {

	@Test
	void theGatewaysLastEntryFromAPrivatePeer() {
		assertThat(SignInAddress.of(request("10.0.0.5", "198.51.100.1, 192.0.2.44"))).isEqualTo("192.0.2.44");
		assertThat(SignInAddress.of(request("127.0.0.1", "2001:db8::1"))).isEqualTo("2001:db8:0:0:0:0:0:1");
		assertThat(SignInAddress.of(request("127.0.0.1", null))).isEqualTo("127.0.0.1");
	}

	@Test
	void aForwardedForFromOutsideTheNetworkIsNotBelieved() {
		assertThat(SignInAddress.of(request("203.0.113.9", "198.51.100.1"))).isEqualTo("203.0.113.9");
	}

	@Test
	void whatIsNotAnAddressIsNeverLookedUp() {
		assertThat(SignInAddress.of(request("127.0.0.1", "not-an-address.example"))).isEqualTo("127.0.0.1");
		assertThat(SignInAddress.of(request("127.0.0.1", "deadbeef"))).isEqualTo("127.0.0.1");
		assertThat(SignInAddress.of(request("127.0.0.1", "1".repeat(500)))).isEqualTo("127.0.0.1");
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
