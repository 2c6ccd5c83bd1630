package dev.keel.order.products;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.PositiveOrZero;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.keel.platform.web.PageResponse;

@RestController
@RequestMapping("/api/v1/products")
@Tag(name = "products", description = "The catalogue, public to read.")
class ProductController {

	private final Catalogue catalogue;

	ProductController(Catalogue catalogue) {
		this.catalogue = catalogue;
	}

	@GetMapping
	@Operation(summary = "The catalogue, a page at a time")
	PageResponse<ProductResponse> page(@RequestParam(defaultValue = "0") @PositiveOrZero int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
		return PageResponse.of(this.catalogue.page(page, size));
	}

	@GetMapping("/{sku}")
	@Operation(summary = "A product and its stock")
	@ApiResponse(responseCode = "200", description = "The product.")
	@ApiResponse(responseCode = "404", description = "No such product (product-not-found).")
	ProductResponse get(@PathVariable String sku) {
		return this.catalogue.get(sku);
	}

}
