-- Sign-up: an account is 'pending' (it cannot sign in) until user-service has made its profile, then 'active'.
-- Accounts from before sign-up, and seeded ones, are active.
ALTER TABLE accounts
    ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'active' AFTER roles;

-- The outbox of sign-up: the profile user-service is to make for a pending account, written in the account's own
-- transaction and deleted with the account's activation (or with the account, when user-service refuses it).
-- next_attempt_at is also a lease: whoever delivers moves it forward first, so that no two replicas send at once.
-- Holds the e-mail and name only until delivered.
CREATE TABLE profile_requests (
    account_id      BIGINT       NOT NULL,
    email           VARCHAR(254) NOT NULL,
    name            VARCHAR(100) NOT NULL,
    attempts        INT          NOT NULL,
    next_attempt_at DATETIME(6)  NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    PRIMARY KEY (account_id),
    INDEX ix_profile_requests_next_attempt_at (next_attempt_at),
    CONSTRAINT fk_profile_requests_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB;
