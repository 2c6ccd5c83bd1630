package dev.keel.order.users;

import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

import dev.keel.platform.client.ServiceClients;

/**
 * user-service as order-service sees it: called by name, load-balanced, with timeouts, retries, a circuit
 * breaker and a bulkhead ({@code keel.clients.user-service}, {@code resilience4j.*.instances.user-service}), and
 * with order-service's own token, whose one scope ({@code users:read}) reads any profile by id. So what a caller
 * may see is decided here, before a profile is asked for or shown.
 */
@Component
public class UserDirectory {

	private static final Logger log = LoggerFactory.getLogger(UserDirectory.class);

	private final RestClient userService;

	UserDirectory(ServiceClients clients) {
		this.userService = clients.builder("user-service").build();
	}

	/**
	 * The user, who must exist and belong to {@code owner}. Someone else's profile is answered as unknown, the
	 * same as one that does not exist, so that ids cannot be probed.
	 * @throws UnknownUser if user-service does not know the user or it is not the owner's
	 * @throws UserServiceUnavailable if user-service cannot tell
	 */
	public UserSummary requireOwnedBy(String owner, long userId) {
		return lookup(userId).filter((user) -> owner.equals(user.owner())).orElseThrow(() -> new UnknownUser(userId));
	}

	/**
	 * The user if user-service knows it, empty if not. For a caller already allowed to see it: the order's owner,
	 * or an administrator.
	 * @throws UserServiceUnavailable if user-service cannot tell
	 */
	public Optional<UserSummary> lookup(long userId) {
		try {
			return Optional.ofNullable(
					this.userService.get().uri("/api/v1/users/{id}", userId).retrieve().body(UserSummary.class));
		}
		catch (HttpClientErrorException.NotFound ex) {
			return Optional.empty();
		}
		catch (RestClientException ex) {
			// The caller is told only that user-service could not tell; the log says why (a timeout, a refusal,
			// an open circuit), with the innermost cause, which is where a timeout shows.
			Throwable innermost = NestedExceptionUtils.getMostSpecificCause(ex);
			log.warn("user-service could not tell about user {}: {}{}", userId, ex,
					(innermost != ex) ? " <- " + innermost : "");
			throw new UserServiceUnavailable(ex);
		}
	}

}
