package dev.keel.order.orders;

/**
 * An order as placement answers it: new, or replayed for a repeated idempotency key.
 */
record PlacedOrder(OrderResponse order, boolean replayed) {
}
