package dev.keel.order.orders;

import java.net.URI;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.keel.platform.web.PageResponse;

@RestController
@RequestMapping("/api/v1/orders")
class OrderController {

	private final OrderService orders;

	OrderController(OrderService orders) {
		this.orders = orders;
	}

	@PostMapping
	ResponseEntity<OrderResponse> place(@Valid @RequestBody OrderRequest request) {
		OrderResponse order = this.orders.place(request);
		return ResponseEntity.created(URI.create("/api/v1/orders/" + order.id())).body(order);
	}

	@GetMapping("/{id}")
	OrderResponse get(@PathVariable long id) {
		return this.orders.get(id);
	}

	@GetMapping
	PageResponse<OrderResponse> pageOfUser(@RequestParam @Positive long userId,
			@RequestParam(defaultValue = "0") @PositiveOrZero int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
		return PageResponse.of(this.orders.pageOfUser(userId, page, size));
	}

}
