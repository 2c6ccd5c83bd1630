package dev.keel.order.users;

import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

/**
 * user-service as order-service sees it, reached through discovery and the load balancer.
 */
@Component
public class UserDirectory {

	private final RestClient userService;

	UserDirectory(RestClient.Builder loadBalanced) {
		this.userService = loadBalanced.baseUrl("http://user-service").build();
	}

	/**
	 * Returns normally if the user exists; throws {@link UnknownUser} if it does not and
	 * {@link UserServiceUnavailable} if user-service cannot tell.
	 */
	public void requireExisting(long userId) {
		try {
			this.userService.get().uri("/api/v1/users/{id}", userId).retrieve().toBodilessEntity();
		}
		catch (HttpClientErrorException.NotFound ex) {
			throw new UnknownUser(userId);
		}
		catch (RestClientException ex) {
			throw new UserServiceUnavailable(ex);
		}
	}

}
