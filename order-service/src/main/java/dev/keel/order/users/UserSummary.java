package dev.keel.order.users;

/**
 * What order-service shows of a user.
 */
public record UserSummary(long id, String name, String email) {
}
