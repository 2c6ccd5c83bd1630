-- Credentials only: the profile (name, e-mail) is user-service's. password_hash holds the encoder's id prefix
-- ({bcrypt}...), so that the encoder can change without a migration.
CREATE TABLE accounts (
    id                BIGINT       NOT NULL AUTO_INCREMENT,
    username          VARCHAR(64)  NOT NULL,
    password_hash     VARCHAR(200) NOT NULL,
    roles             VARCHAR(200) NOT NULL,
    failed_sign_ins   INT          NOT NULL,
    locked_until      DATETIME(6)  NULL,
    version           BIGINT       NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uk_accounts_username UNIQUE (username)
) ENGINE = InnoDB;
