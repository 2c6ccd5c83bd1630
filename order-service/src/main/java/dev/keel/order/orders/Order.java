package dev.keel.order.orders;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OrderColumn;
import jakarta.persistence.Table;

@Entity
@Table(name = "orders")
class Order {

	@Id
	@GeneratedValue(strategy = GenerationType.IDENTITY)
	private Long id;

	@Column(name = "owner_subject", length = 255, updatable = false)
	private String owner;

	@Column(name = "user_id", nullable = false)
	private long userId;

	@Enumerated(EnumType.STRING)
	@Column(nullable = false, length = 20)
	private OrderStatus status;

	@Column(nullable = false, precision = 14, scale = 2)
	private BigDecimal total;

	@Column(name = "created_at", nullable = false)
	private Instant createdAt;

	@ElementCollection
	@CollectionTable(name = "order_lines", joinColumns = @JoinColumn(name = "order_id"))
	@OrderColumn(name = "line_no")
	private List<OrderLine> lines = new ArrayList<>();

	protected Order() {
	}

	/** A confirmed order: its stock has been reserved in the same transaction. */
	static Order confirmed(String owner, long userId, List<OrderLine> lines) {
		Order order = new Order();
		order.owner = owner;
		order.userId = userId;
		order.status = OrderStatus.CONFIRMED;
		order.lines = new ArrayList<>(lines);
		order.total = lines.stream().map(OrderLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
		// The column holds microseconds; answer with what a later read will return.
		order.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
		return order;
	}

	Long getId() {
		return this.id;
	}

	/** The subject of the account that placed the order; null for orders older than owners. */
	String getOwner() {
		return this.owner;
	}

	long getUserId() {
		return this.userId;
	}

	OrderStatus getStatus() {
		return this.status;
	}

	BigDecimal getTotal() {
		return this.total;
	}

	Instant getCreatedAt() {
		return this.createdAt;
	}

	List<OrderLine> getLines() {
		return List.copyOf(this.lines);
	}

}
