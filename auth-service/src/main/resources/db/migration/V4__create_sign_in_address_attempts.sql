-- Failed sign-ins per client address (an IPv4 address, or an IPv6 /64), beside those per username. A table of its
-- own, so that instances still running the previous version keep using sign_in_attempts as it was.
CREATE TABLE sign_in_address_attempts (
    address      VARCHAR(64)  NOT NULL,
    failures     INT          NOT NULL,
    locked_until DATETIME(6)  NULL,
    last_attempt DATETIME(6)  NOT NULL,
    PRIMARY KEY (address),
    INDEX ix_sign_in_address_attempts_last_attempt (last_attempt)
) ENGINE = InnoDB;
