package dev.keel.order.products;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

/**
 * Not enough stock for an order line; the whole order is rolled back.
 */
public class OutOfStock extends ApiProblem {

	public OutOfStock(String sku, int requested, int available) {
		super(HttpStatus.CONFLICT, "out-of-stock", "Out of stock",
				"Only %d of %s in stock, %d requested.".formatted(available, sku, requested));
		property("sku", sku);
		property("requested", requested);
		property("available", available);
	}

}
