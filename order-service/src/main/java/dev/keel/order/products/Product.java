package dev.keel.order.products;

import java.math.BigDecimal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A product and its stock. Stock only changes through {@link Catalogue#reserve}'s guarded update, never by
 * writing this entity, so concurrent reservations cannot overwrite each other.
 */
@Entity
@Table(name = "products")
class Product {

	@Id
	@Column(length = 32)
	private String sku;

	@Column(nullable = false, length = 200)
	private String name;

	@Column(nullable = false, precision = 12, scale = 2)
	private BigDecimal price;

	@Column(nullable = false)
	private int stock;

	protected Product() {
	}

	String getSku() {
		return this.sku;
	}

	String getName() {
		return this.name;
	}

	BigDecimal getPrice() {
		return this.price;
	}

	int getStock() {
		return this.stock;
	}

}
