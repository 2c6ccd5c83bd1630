package dev.keel.order.products;

import java.math.BigDecimal;

record ProductResponse(String sku, String name, BigDecimal price, int stock) {

	static ProductResponse of(Product product) {
		return new ProductResponse(product.getSku(), product.getName(), product.getPrice(), product.getStock());
	}

}
