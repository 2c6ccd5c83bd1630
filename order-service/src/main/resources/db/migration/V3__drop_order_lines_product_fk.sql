-- Inserting an order line checked its SKU against products, taking a shared lock on the product row that
-- the same transaction then updated (shared-to-exclusive upgrades deadlock between concurrent orders), and
-- made lines wait for stock locks. The SKU is validated against products in the same transaction, and
-- products are never deleted, so the foreign key only cost concurrency. Its index stays for queries by SKU.
ALTER TABLE order_lines DROP FOREIGN KEY fk_order_lines_product;
