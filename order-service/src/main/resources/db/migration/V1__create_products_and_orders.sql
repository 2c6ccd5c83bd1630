CREATE TABLE products (
    sku   VARCHAR(32)   NOT NULL,
    name  VARCHAR(200)  NOT NULL,
    price DECIMAL(12, 2) NOT NULL,
    stock INT           NOT NULL,
    PRIMARY KEY (sku),
    -- The last line of defence: a reservation bug can never make stock negative.
    CONSTRAINT ck_products_stock CHECK (stock >= 0),
    CONSTRAINT ck_products_price CHECK (price >= 0)
) ENGINE = InnoDB;

CREATE TABLE orders (
    id         BIGINT         NOT NULL AUTO_INCREMENT,
    user_id    BIGINT         NOT NULL,
    status     VARCHAR(20)    NOT NULL,
    total      DECIMAL(14, 2) NOT NULL,
    created_at DATETIME(6)    NOT NULL,
    PRIMARY KEY (id),
    INDEX ix_orders_user (user_id, id)
) ENGINE = InnoDB;

CREATE TABLE order_lines (
    order_id   BIGINT         NOT NULL,
    line_no    INT            NOT NULL,
    sku        VARCHAR(32)    NOT NULL,
    quantity   INT            NOT NULL,
    unit_price DECIMAL(12, 2) NOT NULL,
    PRIMARY KEY (order_id, line_no),
    CONSTRAINT fk_order_lines_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_order_lines_product FOREIGN KEY (sku) REFERENCES products (sku),
    CONSTRAINT ck_order_lines_quantity CHECK (quantity > 0)
) ENGINE = InnoDB;
