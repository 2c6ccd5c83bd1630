package dev.keel.order.orders;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Business limits and behaviour of order placement ({@code orders.*} in config-repo), live: bound through
 * {@code LiveProperties}, so that a configuration refresh applies to the next order.
 *
 * @param maxLinesPerOrder most lines one order may have; more is refused with 422
 * @param reserveInSkuOrder lock stock rows in SKU order rather than in the order the client sent (fewer
 * deadlocks between concurrent orders)
 */
record OrderProperties(@DefaultValue("50") int maxLinesPerOrder, @DefaultValue("false") boolean reserveInSkuOrder) {
}
