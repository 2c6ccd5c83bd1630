package dev.keel.order.orders;

import java.net.URI;
import java.util.function.Supplier;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.PositiveOrZero;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.keel.platform.config.LiveProperties;
import dev.keel.platform.idempotency.IdempotencyKey;
import dev.keel.platform.idempotency.IdempotencyProperties;
import dev.keel.platform.security.Caller;
import dev.keel.platform.web.PageResponse;

@RestController
@RequestMapping("/api/v1/orders")
@Tag(name = "orders", description = "Orders, placed for the caller's own profile.")
class OrderController {

	private final OrderService orders;

	private final Supplier<IdempotencyProperties> idempotency;

	OrderController(OrderService orders, LiveProperties live) {
		this.orders = orders;
		this.idempotency = live.bind("keel.idempotency", IdempotencyProperties.class);
	}

	/**
	 * Places an order. With an {@code Idempotency-Key}, repeating the request returns the original order
	 * (same id, 201, {@code Idempotent-Replayed: true}) instead of placing another.
	 */
	@PostMapping
	@Operation(summary = "Place an order, reserving its lines' stock")
	@ApiResponse(responseCode = "201", description = "Placed (or, for a repeated Idempotency-Key, the order it "
			+ "placed: Idempotent-Replayed: true).")
	@ApiResponse(responseCode = "409", description = "A product has too little stock (out-of-stock), or a request "
			+ "with this Idempotency-Key is in progress.")
	@ApiResponse(responseCode = "422", description = "The user is unknown or not the caller's (unknown-user), a SKU "
			+ "is unknown (unknown-product), too many lines, or the Idempotency-Key was used for another request.")
	ResponseEntity<OrderResponse> place(Caller caller,
			@RequestHeader(name = IdempotencyKey.HEADER, required = false) String key,
			@Valid @RequestBody OrderRequest request) {
		PlacedOrder placed = this.orders.place(caller, request, IdempotencyKey.of(key, this.idempotency.get().required()));
		ResponseEntity.BodyBuilder response = ResponseEntity
			.created(URI.create("/api/v1/orders/" + placed.order().id()));
		if (placed.replayed()) {
			response.header(IdempotencyKey.REPLAYED_HEADER, "true");
		}
		return response.body(placed.order());
	}

	@GetMapping("/{id}")
	@Operation(summary = "An order of the caller's")
	@ApiResponse(responseCode = "200", description = "The order.")
	@ApiResponse(responseCode = "404", description = "No such order, or not the caller's (order-not-found).")
	OrderResponse get(Caller caller, @PathVariable long id) {
		return this.orders.get(caller, id);
	}

	@GetMapping
	@Operation(summary = "A user's orders, newest first, a page at a time")
	PageResponse<OrderResponse> pageOfUser(Caller caller, @RequestParam @Min(1) long userId,
			@RequestParam(defaultValue = "0") @PositiveOrZero int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
		return PageResponse.of(this.orders.pageOfUser(caller, userId, page, size));
	}

}
