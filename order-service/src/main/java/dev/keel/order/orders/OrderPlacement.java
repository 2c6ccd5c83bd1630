package dev.keel.order.orders;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.springframework.stereotype.Component;

import dev.keel.order.products.Catalogue;
import dev.keel.platform.config.LiveProperties;
import dev.keel.platform.idempotency.IdempotencyKey;
import dev.keel.platform.idempotency.IdempotencyStore;
import dev.keel.platform.transaction.RetryableTransaction;
import dev.keel.platform.transaction.TransactionAttempt;

/**
 * The database half of placing an order: claim the idempotency key, store the order, reserve stock for
 * every line, all in one transaction, so that an order is either fully reserved and stored (with its key)
 * or not at all. Retried as a whole on deadlocks and lock timeouts.
 */
@Component
class OrderPlacement {

	static final String OPERATION = "place-order";

	private final Catalogue catalogue;

	private final OrderRepository orders;

	private final IdempotencyStore idempotency;

	private final Supplier<OrderProperties> properties;

	OrderPlacement(Catalogue catalogue, OrderRepository orders, IdempotencyStore idempotency, LiveProperties live) {
		this.catalogue = catalogue;
		this.orders = orders;
		this.idempotency = idempotency;
		this.properties = live.bind("orders", OrderProperties.class);
	}

	/**
	 * @throws IdempotencyStore.KeyClaimed when another request with the same key has committed first
	 */
	@RetryableTransaction("placeOrder")
	Order reserveAndStore(String owner, OrderRequest request, Optional<IdempotencyKey> key, String fingerprint) {
		// First, so that a concurrent duplicate waits here, before it has locked any stock.
		key.ifPresent((value) -> this.idempotency.claim(OPERATION, owner, value, fingerprint));
		List<String> skus = request.items().stream().map(OrderRequest.Item::sku).toList();
		Map<String, BigDecimal> prices = this.catalogue.pricesOf(skus);
		List<String> unknown = skus.stream().filter((sku) -> !prices.containsKey(sku)).toList();
		if (!unknown.isEmpty()) {
			throw new UnknownProducts(unknown);
		}
		List<OrderLine> lines = request.items()
			.stream()
			.map((item) -> new OrderLine(item.sku(), item.quantity(), prices.get(item.sku())))
			.toList();
		// The order is written before any stock is locked, so that the contended stock rows stay locked
		// only from the first reservation to the commit.
		Order order = this.orders.saveAndFlush(Order.confirmed(owner, request.userId(), lines));
		for (OrderRequest.Item item : lockOrder(request.items())) {
			this.catalogue.reserve(item.sku(), item.quantity());
		}
		key.ifPresent((value) -> this.idempotency.complete(OPERATION, owner, value, String.valueOf(order.getId())));
		return order;
	}

	/**
	 * The order in which stock rows are locked. As the client sent them: concurrent orders that share SKUs
	 * in different orders can deadlock, and the loser is retried. A retry locks in SKU order, as every
	 * attempt does where configured: two transactions that lock in the same order cannot deadlock each
	 * other, so a deadlock victim does not lose again and again to the same crowd.
	 */
	private List<OrderRequest.Item> lockOrder(List<OrderRequest.Item> items) {
		if (!this.properties.get().reserveInSkuOrder() && !TransactionAttempt.isRetry()) {
			return items;
		}
		return items.stream().sorted(Comparator.comparing(OrderRequest.Item::sku)).toList();
	}

}
