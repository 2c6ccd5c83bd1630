package dev.keel.order.orders;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.keel.order.users.UserDirectory;

@Service
class OrderService {

	private final OrderProperties properties;

	private final UserDirectory users;

	private final OrderPlacement placement;

	private final OrderRepository orders;

	OrderService(OrderProperties properties, UserDirectory users, OrderPlacement placement,
			OrderRepository orders) {
		this.properties = properties;
		this.users = users;
		this.placement = placement;
		this.orders = orders;
	}

	OrderResponse place(OrderRequest request) {
		int limit = this.properties.maxLinesPerOrder();
		if (request.items().size() > limit) {
			throw new TooManyLines(request.items().size(), limit);
		}
		// Remote call first, outside any transaction: no row lock is held while user-service answers.
		this.users.requireExisting(request.userId());
		return OrderResponse.of(this.placement.reserveAndStore(request));
	}

	@Transactional(readOnly = true)
	OrderResponse get(long id) {
		return this.orders.findById(id).map(OrderResponse::of).orElseThrow(() -> new OrderNotFound(id));
	}

	@Transactional(readOnly = true)
	Page<OrderResponse> pageOfUser(long userId, int page, int size) {
		return this.orders.findByUserId(userId, PageRequest.of(page, size, Sort.by(Sort.Direction.DESC, "id")))
			.map(OrderResponse::of);
	}

}
