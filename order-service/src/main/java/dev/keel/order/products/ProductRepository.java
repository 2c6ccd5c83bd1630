package dev.keel.order.products;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

interface ProductRepository extends JpaRepository<Product, String> {

	List<Product> findBySkuIn(Collection<String> skus);

	/**
	 * Takes {@code quantity} from stock if, and only if, that much is there. Returns the number of rows
	 * changed: 0 means out of stock (or unknown SKU). The row lock it takes is held until commit.
	 */
	@Modifying
	@Query("update Product p set p.stock = p.stock - :quantity where p.sku = :sku and p.stock >= :quantity")
	int reserve(String sku, int quantity);

	/**
	 * Current stock, read with a lock: a plain read would see the transaction's snapshot, older than what
	 * the failed guarded update saw.
	 */
	@Query(value = "SELECT stock FROM products WHERE sku = :sku FOR UPDATE", nativeQuery = true)
	Optional<Integer> currentStockOf(String sku);

}
