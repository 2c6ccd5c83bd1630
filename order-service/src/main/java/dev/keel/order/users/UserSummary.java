package dev.keel.order.users;

/**
 * What order-service shows of a user. {@code owner} is the subject of the account the profile belongs to.
 */
public record UserSummary(long id, String owner, String name, String email) {
}
