package dev.keel.order.orders;

import java.math.BigDecimal;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

@Embeddable
record OrderLine(@Column(name = "sku", nullable = false, length = 32) String sku,
		@Column(name = "quantity", nullable = false) int quantity,
		@Column(name = "unit_price", nullable = false, precision = 12, scale = 2) BigDecimal unitPrice) {

	BigDecimal amount() {
		return this.unitPrice.multiply(BigDecimal.valueOf(this.quantity));
	}

}
