package dev.keel.order.orders;

import java.util.Optional;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.EntityGraph;
import org.springframework.data.jpa.repository.JpaRepository;

interface OrderRepository extends JpaRepository<Order, Long> {

	/** An order with its lines, loaded in one query, usable outside a transaction. */
	@EntityGraph(attributePaths = "lines")
	Optional<Order> findWithLinesById(long id);

	Page<Order> findByUserId(long userId, Pageable pageable);

	Page<Order> findByOwnerAndUserId(String owner, long userId, Pageable pageable);

}
