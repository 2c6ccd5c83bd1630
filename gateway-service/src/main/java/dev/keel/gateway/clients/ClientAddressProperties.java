package dev.keel.gateway.clients;

import java.net.InetAddress;
import java.util.List;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where clients are seen from ({@code keel.gateway.*}, live; a refresh with a malformed range is refused and the
 * previous ranges stay).
 *
 * @param trustedProxies address ranges ({@code 10.0.0.0/8}, {@code ::1/128}, or single addresses) of the proxies
 * in front of the gateway whose {@code X-Forwarded-For} is believed; empty when clients connect directly
 */
record ClientAddressProperties(@DefaultValue List<String> trustedProxies) {

	ClientAddressProperties {
		trustedProxies.forEach(ClientAddressProperties::range);
	}

	static IpSubnetFilterRule range(String range) {
		int slash = range.indexOf('/');
		InetAddress address = ClientAddressFilter.literal(((slash < 0) ? range : range.substring(0, slash)).strip());
		if (address == null) {
			throw new IllegalArgumentException("keel.gateway.trusted-proxies: '" + range + "' is not an address range");
		}
		int width = address.getAddress().length * 8;
		try {
			int bits = (slash < 0) ? width : Integer.parseInt(range.substring(slash + 1).strip());
			if (bits < 0 || bits > width) {
				throw new NumberFormatException();
			}
			return new IpSubnetFilterRule(address, bits, IpFilterRuleType.ACCEPT);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("keel.gateway.trusted-proxies: '" + range + "' has an invalid prefix length");
		}
	}

}
