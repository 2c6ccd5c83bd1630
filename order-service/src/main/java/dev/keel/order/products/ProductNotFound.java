package dev.keel.order.products;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

class ProductNotFound extends ApiProblem {

	ProductNotFound(String sku) {
		super(HttpStatus.NOT_FOUND, "product-not-found", "Product not found", "No product with SKU " + sku + ".");
		property("sku", sku);
	}

}
