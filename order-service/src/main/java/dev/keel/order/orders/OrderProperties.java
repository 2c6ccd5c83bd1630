package dev.keel.order.orders;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Business limits of order placement, from config-repo.
 *
 * @param maxLinesPerOrder most lines one order may have; more is refused with 422
 */
@ConfigurationProperties("orders")
record OrderProperties(@DefaultValue("50") int maxLinesPerOrder) {
}
