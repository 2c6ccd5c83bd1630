-- Idempotency keys of POST /api/v1/orders (platform-starter's IdempotencyStore), durable across restarts.
CREATE TABLE idempotency_keys (
    operation       VARCHAR(64)  NOT NULL,
    idempotency_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    request_hash    CHAR(64)     NOT NULL,
    resource_id     VARCHAR(64)  NULL,
    created_at      DATETIME(6)  NOT NULL,
    expires_at      DATETIME(6)  NOT NULL,
    PRIMARY KEY (operation, idempotency_key),
    INDEX ix_idempotency_keys_expires_at (expires_at)
) ENGINE = InnoDB;
