package dev.keel.order.orders;

import java.util.List;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

class UnknownProducts extends ApiProblem {

	UnknownProducts(List<String> skus) {
		super(HttpStatus.UNPROCESSABLE_CONTENT, "unknown-product", "Unknown product",
				"No product with SKU " + String.join(", ", skus) + ".");
		property("skus", skus);
	}

}
