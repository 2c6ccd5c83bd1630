package dev.keel.order.orders;

import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.keel.order.users.UserDirectory;
import dev.keel.platform.security.Caller;
import dev.keel.order.users.UserServiceUnavailable;
import dev.keel.order.users.UserSummary;
import dev.keel.platform.config.LiveProperties;
import dev.keel.platform.idempotency.IdempotencyKey;
import dev.keel.platform.idempotency.IdempotencyProblems;
import dev.keel.platform.idempotency.IdempotencyStore;

@Service
class OrderService {

	private final Supplier<OrderProperties> properties;

	private final UserDirectory users;

	private final OrderPlacement placement;

	private final OrderRepository orders;

	private final IdempotencyStore idempotency;

	// Registered up front so dashboards and alerts see a zero, not an absent series, before the first event.
	private final Counter placed;

	private final Counter replays;

	private final Counter degradedReads;

	OrderService(LiveProperties live, UserDirectory users, OrderPlacement placement, OrderRepository orders,
			IdempotencyStore idempotency, MeterRegistry meters) {
		this.properties = live.bind("orders", OrderProperties.class);
		this.users = users;
		this.placement = placement;
		this.orders = orders;
		this.idempotency = idempotency;
		this.placed = Counter.builder("keel.orders.placed").description("Orders stored").register(meters);
		this.replays = Counter.builder("keel.idempotency.replays")
			.description("Requests answered with the stored result of an earlier request with the same key")
			.tag("operation", OrderPlacement.OPERATION)
			.register(meters);
		this.degradedReads = Counter.builder("keel.orders.degraded.reads")
			.description("Orders returned without user details because user-service could not answer")
			.register(meters);
	}

	/**
	 * Places an order for the caller: the profile it names must be the caller's own, whoever the caller is.
	 */
	PlacedOrder place(Caller caller, OrderRequest request, Optional<IdempotencyKey> key) {
		int limit = this.properties.get().maxLinesPerOrder();
		if (request.items().size() > limit) {
			throw new TooManyLines(request.items().size(), limit);
		}
		String fingerprint = IdempotencyStore.fingerprint(canonical(request));
		if (key.isPresent()) {
			Optional<IdempotencyStore.Stored> stored = this.idempotency.find(OrderPlacement.OPERATION,
					caller.subject(), key.get());
			if (stored.isPresent()) {
				return replay(caller, stored.get(), fingerprint);
			}
		}
		// Remote call first, outside any transaction: no row lock is held while user-service answers.
		UserSummary user = this.users.requireOwnedBy(caller.subject(), request.userId());
		try {
			PlacedOrder placed = new PlacedOrder(
					OrderResponse.of(this.placement.reserveAndStore(caller.subject(), request, key, fingerprint), user, false), false);
			this.placed.increment();
			return placed;
		}
		catch (IdempotencyStore.KeyClaimed ex) {
			// A concurrent request with the same key committed while this one waited for the key.
			return this.idempotency.find(OrderPlacement.OPERATION, caller.subject(), key.orElseThrow())
				.map((stored) -> replay(caller, stored, fingerprint))
				.orElseThrow(IdempotencyProblems.InProgress::new);
		}
	}

	private PlacedOrder replay(Caller caller, IdempotencyStore.Stored stored, String fingerprint) {
		long id = Long.parseLong(stored.replayFor(fingerprint));
		this.replays.increment();
		return new PlacedOrder(get(caller, id), true);
	}

	/** What makes two requests the same: the user and the lines, in order, with SKUs canonical. */
	private static String canonical(OrderRequest request) {
		return request.userId() + "|" + request.items()
			.stream()
			.map((item) -> item.sku() + "*" + item.quantity())
			.collect(Collectors.joining(","));
	}

	/**
	 * An order with its user's details; when user-service cannot answer, the order without them, marked
	 * degraded, rather than no order at all. Only its owner and administrators see it; for anyone else it does
	 * not exist.
	 */
	OrderResponse get(Caller caller, long id) {
		Order order = this.orders.findWithLinesById(id)
			.filter((found) -> caller.mayRead(found.getOwner()))
			.orElseThrow(() -> new OrderNotFound(id));
		try {
			return OrderResponse.of(order, this.users.lookup(order.getUserId()).orElse(null), false);
		}
		catch (UserServiceUnavailable ex) {
			this.degradedReads.increment();
			return OrderResponse.of(order, null, true);
		}
	}

	@Transactional(readOnly = true)
	Page<OrderResponse> pageOfUser(Caller caller, long userId, int page, int size) {
		PageRequest request = PageRequest.of(page, size, Sort.by(Sort.Direction.DESC, "id"));
		// A customer sees their own orders only, whatever profile id they ask about.
		Page<Order> orders = caller.administrator() ? this.orders.findByUserId(userId, request)
				: this.orders.findByOwnerAndUserId(caller.subject(), userId, request);
		return orders.map(OrderResponse::of);
	}

}
