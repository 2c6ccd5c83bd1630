-- Credentials only: the profile (name, e-mail) is user-service's. password_hash holds the encoder's id prefix
-- ({bcrypt}...), so that the encoder can change without a migration.
CREATE TABLE accounts (
    id                BIGINT       NOT NULL AUTO_INCREMENT,
    username          VARCHAR(64)  NOT NULL,
    password_hash     VARCHAR(200) NOT NULL,
    roles             VARCHAR(200) NOT NULL,
    version           BIGINT       NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uk_accounts_username UNIQUE (username)
) ENGINE = InnoDB;

-- Sign-in attempts by username, whether or not an account has it (so that a lock says nothing about existence):
-- counted before the password is checked, cleared by a right one; locked_until set by the last one allowed.
CREATE TABLE sign_in_attempts (
    username     VARCHAR(64)  NOT NULL,
    failures     INT          NOT NULL,
    locked_until DATETIME(6)  NULL,
    last_attempt DATETIME(6)  NOT NULL,
    PRIMARY KEY (username),
    INDEX ix_sign_in_attempts_last_attempt (last_attempt)
) ENGINE = InnoDB;
