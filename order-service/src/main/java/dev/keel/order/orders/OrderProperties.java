package dev.keel.order.orders;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Business limits and behaviour of order placement, from config-repo.
 *
 * @param maxLinesPerOrder most lines one order may have; more is refused with 422
 * @param reserveInSkuOrder lock stock rows in SKU order rather than in the order the client sent (fewer
 * deadlocks between concurrent orders)
 */
@ConfigurationProperties("orders")
record OrderProperties(@DefaultValue("50") int maxLinesPerOrder, @DefaultValue("false") boolean reserveInSkuOrder) {
}
