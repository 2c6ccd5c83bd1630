package dev.keel.auth.accounts;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The address a sign-in comes from. auth-service is
 * reached through the gateway, which removes the forwarding headers clients send and appends the address it
 * resolved (from trusted proxies only) to {@code X-Forwarded-For}: its last entry, when the connection comes from
 * a private or loopback address, as the gateway's does. Anything else, the connection's own address. A process
 * inside the network that calls auth-service directly could name any address, and so spend that address's count:
 * only the gateway and the services (for the keys) should reach auth-service's port.
 * <p>
 * Read from the request, not kept in the authentication's details: those are stored with the session and the
 * authorization, whose serialization accepts Spring Security's own types only.
 */
final class SignInAddress {

	/** An IPv4 literal, or something with a colon, which Java reads as an IPv6 literal: never a DNS lookup. */
	private static final Pattern LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%\\w]*]?");

	private SignInAddress() {
	}

	/** An address literal, or null when none can be told. */
	static String of(HttpServletRequest request) {
		String peer = request.getRemoteAddr();
		String forwardedFor = request.getHeader("X-Forwarded-For");
		if (forwardedFor == null || !internal(peer)) {
			return normalized(peer);
		}
		String client = normalized(forwardedFor.substring(forwardedFor.lastIndexOf(',') + 1).strip());
		return (client != null) ? client : normalized(peer);
	}

	private static boolean internal(String address) {
		InetAddress parsed = parse(address);
		return parsed != null && (parsed.isLoopbackAddress() || parsed.isSiteLocalAddress() || parsed.isLinkLocalAddress()
				|| isUniqueLocal(parsed));
	}

	/** IPv6 unique local addresses (fc00::/7), which Java does not count as site-local. */
	private static boolean isUniqueLocal(InetAddress address) {
		byte[] bytes = address.getAddress();
		return bytes.length == 16 && (bytes[0] & 0xFE) == 0xFC;
	}

	private static String normalized(String address) {
		InetAddress parsed = parse(address);
		return (parsed != null) ? parsed.getHostAddress() : null;
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
