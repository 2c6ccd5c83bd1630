package dev.keel.order.orders;

import java.util.List;
import java.util.Locale;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /api/v1/orders}. Lines are reserved in the order given.
 * <p>
 * {@code @Min(1)}, not {@code @Positive}: springdoc describes the latter as {@code minimum: 0}, dropping the bound's
 * exclusiveness, and the API's description would allow what validation refuses.
 */
record OrderRequest(@Schema(description = "The caller's own profile.", example = "1") @NotNull @Min(1) Long userId,
		@Schema(description = "One line per SKU.") @NotEmpty @DistinctSkus List<@Valid @NotNull Item> items) {

	record Item(@Schema(example = "KB-001") @NotBlank @Size(min = 1, max = 32) String sku,
			@Schema(example = "1") @NotNull @Min(1) @Max(10_000) Integer quantity) {

		Item {
			// SKUs are upper case; accept any case so that "kb-001" and "KB-001" are one product.
			sku = (sku != null) ? sku.strip().toUpperCase(Locale.ROOT) : null;
		}

	}

}
