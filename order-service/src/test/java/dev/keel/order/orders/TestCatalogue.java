package dev.keel.order.orders;

import java.math.BigDecimal;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.keel.order.users.UserServiceStub;

/**
 * Test data straight in the database: products of the test's own, unique SKUs, and users the stub knows.
 */
record TestCatalogue(JdbcTemplate jdbc) {

	String product(String price, int stock) {
		String sku = "T-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
		this.jdbc.update("INSERT INTO products (sku, name, price, stock) VALUES (?, ?, ?, ?)", sku, "Test " + sku,
				new BigDecimal(price), stock);
		return sku;
	}

	int stock(String sku) {
		return this.jdbc.queryForObject("SELECT stock FROM products WHERE sku = ?", Integer.class, sku);
	}

	int ordersOf(long user) {
		return this.jdbc.queryForObject("SELECT COUNT(*) FROM orders WHERE user_id = ?", Integer.class, user);
	}

	/** A new profile of {@code owner}'s, as the stub of user-service answers for it. */
	static long newUserId(String owner) {
		return UserServiceStub.profileOf(owner);
	}

}
