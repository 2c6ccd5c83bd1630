package dev.keel.order.orders;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.keel.order.users.UserSummary;

/**
 * An order. {@code user} is there when the order is read on its own and user-service answered;
 * {@code degraded} is true when user-service could not, and the user's details are left out.
 */
record OrderResponse(long id, long userId, OrderStatus status, List<Item> items, BigDecimal total,
		Instant createdAt, @JsonInclude(JsonInclude.Include.NON_NULL) UserSummary user, boolean degraded) {

	record Item(String sku, int quantity, BigDecimal unitPrice) {
	}

	static OrderResponse of(Order order) {
		return of(order, null, false);
	}

	static OrderResponse of(Order order, UserSummary user, boolean degraded) {
		List<Item> items = order.getLines()
			.stream()
			.map((line) -> new Item(line.sku(), line.quantity(), line.unitPrice()))
			.toList();
		return new OrderResponse(order.getId(), order.getUserId(), order.getStatus(), items, order.getTotal(),
				order.getCreatedAt(), user, degraded);
	}

}
