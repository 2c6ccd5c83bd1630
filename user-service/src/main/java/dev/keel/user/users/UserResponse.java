package dev.keel.user.users;

import java.time.Instant;

record UserResponse(long id, String email, String name, long version, Instant createdAt, Instant updatedAt) {

	static UserResponse of(User user) {
		return new UserResponse(user.getId(), user.getEmail(), user.getName(), user.getVersion(),
				user.getCreatedAt(), user.getUpdatedAt());
	}

}
