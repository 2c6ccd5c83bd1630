package dev.keel.order.orders;

import java.util.List;
import java.util.Locale;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /api/v1/orders}. Lines are reserved in the order given.
 */
record OrderRequest(@NotNull @Positive Long userId, @NotEmpty @DistinctSkus List<@Valid @NotNull Item> items) {

	record Item(@NotBlank @Size(max = 32) String sku, @NotNull @Positive @Max(10_000) Integer quantity) {

		Item {
			// SKUs are upper case; accept any case so that "kb-001" and "KB-001" are one product.
			sku = (sku != null) ? sku.strip().toUpperCase(Locale.ROOT) : null;
		}

	}

}
