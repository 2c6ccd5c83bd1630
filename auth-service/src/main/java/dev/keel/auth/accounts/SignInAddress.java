package dev.keel.auth.accounts;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The address a sign-in comes from, as failed sign-ins are counted: an IPv4 address, or the /64 network of an IPv6
 * one (what one subscriber gets: counting each of its 2^64 addresses apart would let one host escape the count).
 * <p>
 * auth-service is reached through the gateway, which removes the forwarding headers clients send and puts the
 * address it resolved (from trusted proxies only) into {@code X-Forwarded-For}. That header is believed when the
 * connection comes from a private, shared (100.64/10), link-local or loopback address, as the gateway's does;
 * from anywhere else the connection's own address counts. From a private address without the header (a proxy
 * that does not say who it forwards for), none: the caller counts such sign-ins per username only, rather than
 * all in one count that anyone could lock for everyone. A process inside the network that reaches auth-service
 * directly could name any address, and so spend that address's count: only the gateway and the services (for the
 * keys) should reach auth-service's port.
 * <p>
 * Read from the request, not kept in the authentication's details: those are stored with the session and the
 * authorization, whose serialization accepts Spring Security's own types only.
 */
final class SignInAddress {

	/** An IPv4 literal, or something with a colon, which Java reads as an IPv6 literal: never a DNS lookup. */
	private static final Pattern LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%\\w]*]?");

	private SignInAddress() {
	}

	/** What sign-ins from this request are counted under, or null when that cannot be told. */
	static String of(HttpServletRequest request) {
		InetAddress peer = parse(request.getRemoteAddr());
		if (peer == null) {
			return null;
		}
		if (!internal(peer)) {
			return counted(peer);
		}
		String forwardedFor = request.getHeader("X-Forwarded-For");
		InetAddress client = (forwardedFor != null)
				? parse(forwardedFor.substring(forwardedFor.lastIndexOf(',') + 1).strip()) : null;
		return (client != null) ? counted(client) : null;
	}

	private static String counted(InetAddress address) {
		if (address instanceof Inet6Address) {
			byte[] network = Arrays.copyOf(address.getAddress(), 16);
			Arrays.fill(network, 8, 16, (byte) 0);
			try {
				return InetAddress.getByAddress(network).getHostAddress() + "/64";
			}
			catch (UnknownHostException ex) {
				throw new IllegalStateException(ex);
			}
		}
		return address.getHostAddress();
	}

	private static boolean internal(InetAddress address) {
		return address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
				|| isShared(address) || isUniqueLocal(address);
	}

	/** 100.64.0.0/10 (RFC 6598), which some clusters use for pods. */
	private static boolean isShared(InetAddress address) {
		byte[] bytes = address.getAddress();
		return bytes.length == 4 && (bytes[0] & 0xFF) == 100 && (bytes[1] & 0xC0) == 64;
	}

	/** IPv6 unique local addresses (fc00::/7), which Java does not count as site-local. */
	private static boolean isUniqueLocal(InetAddress address) {
		byte[] bytes = address.getAddress();
		return bytes.length == 16 && (bytes[0] & 0xFE) == 0xFC;
	}

	private static InetAddress parse(String address) {
		if (address == null || address.length() > 64 || !LITERAL.matcher(address).matches()) {
			return null;
		}
		try {
			return InetAddress.getByName(address);
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

}
