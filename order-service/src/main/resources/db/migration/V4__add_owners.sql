-- Who an order belongs to: the subject of the access token that placed it. Orders placed before owners existed
-- have none: only an administrator can read them. Compared exactly, as user-service's owners are.
ALTER TABLE orders
    ADD COLUMN owner_subject VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL AFTER id,
    ADD INDEX ix_orders_owner_subject_user_id (owner_subject, user_id, id);

-- Idempotency keys are the client's own (IdempotencyStore): two clients may use the same key for different
-- requests, and neither sees the other's result.
ALTER TABLE idempotency_keys
    ADD COLUMN client VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '' AFTER operation,
    DROP PRIMARY KEY,
    ADD PRIMARY KEY (operation, client, idempotency_key);
