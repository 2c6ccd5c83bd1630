package dev.keel.user.users;

import java.time.Instant;

/**
 * A profile. {@code owner} is the subject of the account it belongs to, set from the access token that created it:
 * other services check it (order-service places orders only for the caller's own profile).
 */
record UserResponse(long id, String owner, String email, String name, long version, Instant createdAt,
		Instant updatedAt) {

	static UserResponse of(User user) {
		return new UserResponse(user.getId(), user.getOwner(), user.getEmail(), user.getName(), user.getVersion(),
				user.getCreatedAt(), user.getUpdatedAt());
	}

}
