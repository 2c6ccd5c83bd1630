package dev.keel.order.orders;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

class OrderNotFound extends ApiProblem {

	OrderNotFound(long id) {
		super(HttpStatus.NOT_FOUND, "order-not-found", "Order not found", "No order with id " + id + ".");
		property("orderId", id);
	}

}
