package dev.keel.order.products;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Products, their prices and their stock: what the order feature may use of this one.
 */
@Service
public class Catalogue {

	private final ProductRepository products;

	private final Counter outOfStock;

	Catalogue(ProductRepository products, MeterRegistry meters) {
		this.products = products;
		this.outOfStock = meters.counter("keel.orders.out.of.stock");
	}

	/**
	 * Current unit prices of the given SKUs; unknown SKUs are absent from the map.
	 */
	@Transactional(readOnly = true)
	public Map<String, BigDecimal> pricesOf(Collection<String> skus) {
		return this.products.findBySkuIn(skus)
			.stream()
			.collect(Collectors.toMap(Product::getSku, Product::getPrice));
	}

	/**
	 * Takes stock for one order line within the caller's transaction, or throws {@link OutOfStock}.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void reserve(String sku, int quantity) {
		if (this.products.reserve(sku, quantity) == 0) {
			this.outOfStock.increment();
			throw new OutOfStock(sku, quantity, this.products.currentStockOf(sku).orElse(0));
		}
	}

	@Transactional(readOnly = true)
	Page<ProductResponse> page(int page, int size) {
		return this.products.findAll(PageRequest.of(page, size, Sort.by("sku"))).map(ProductResponse::of);
	}

	@Transactional(readOnly = true)
	ProductResponse get(String sku) {
		return this.products.findById(sku).map(ProductResponse::of).orElseThrow(() -> new ProductNotFound(sku));
	}

}
