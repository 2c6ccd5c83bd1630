package dev.keel.order.orders;

enum OrderStatus {

	/** Stock is reserved and the order is stored. */
	CONFIRMED

}
