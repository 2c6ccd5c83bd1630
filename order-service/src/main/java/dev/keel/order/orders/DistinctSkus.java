package dev.keel.order.orders;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/**
 * Each SKU appears on one line only: a client that means "3 of X" says so once.
 */
@Documented
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = DistinctSkus.Validator.class)
@interface DistinctSkus {

	String message() default "must not contain the same SKU on more than one line";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	class Validator implements ConstraintValidator<DistinctSkus, List<OrderRequest.Item>> {

		@Override
		public boolean isValid(List<OrderRequest.Item> items, ConstraintValidatorContext context) {
			if (items == null) {
				return true;
			}
			Set<String> seen = new HashSet<>();
			return items.stream().filter((item) -> item != null && item.sku() != null).allMatch((item) -> seen.add(item.sku()));
		}

	}

}
