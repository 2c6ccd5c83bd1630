package dev.keel.order.orders;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

record OrderResponse(long id, long userId, OrderStatus status, List<Item> items, BigDecimal total,
		Instant createdAt) {

	record Item(String sku, int quantity, BigDecimal unitPrice) {
	}

	static OrderResponse of(Order order) {
		List<Item> items = order.getLines()
			.stream()
			.map((line) -> new Item(line.sku(), line.quantity(), line.unitPrice()))
			.toList();
		return new OrderResponse(order.getId(), order.getUserId(), order.getStatus(), items, order.getTotal(),
				order.getCreatedAt());
	}

}
