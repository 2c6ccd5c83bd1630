package dev.keel.order.orders;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import dev.keel.order.products.Catalogue;

/**
 * The database half of placing an order: reserve stock for every line and store the order, all in one
 * transaction, so that an order is either fully reserved and stored or not at all.
 */
@Component
class OrderPlacement {

	private final Catalogue catalogue;

	private final OrderRepository orders;

	OrderPlacement(Catalogue catalogue, OrderRepository orders) {
		this.catalogue = catalogue;
		this.orders = orders;
	}

	@Transactional
	Order reserveAndStore(OrderRequest request) {
		List<String> skus = request.items().stream().map(OrderRequest.Item::sku).toList();
		Map<String, BigDecimal> prices = this.catalogue.pricesOf(skus);
		List<String> unknown = skus.stream().filter((sku) -> !prices.containsKey(sku)).toList();
		if (!unknown.isEmpty()) {
			throw new UnknownProducts(unknown);
		}
		List<OrderLine> lines = new ArrayList<>();
		// In the order the client sent: concurrent orders may lock rows in opposite orders and deadlock.
		for (OrderRequest.Item item : request.items()) {
			this.catalogue.reserve(item.sku(), item.quantity());
			lines.add(new OrderLine(item.sku(), item.quantity(), prices.get(item.sku())));
		}
		return this.orders.save(Order.confirmed(request.userId(), lines));
	}

}
