-- Failed sign-ins are counted per address too (kind 'address'), beside those per username (kind 'account').
ALTER TABLE sign_in_attempts
    ADD COLUMN kind VARCHAR(8) NOT NULL DEFAULT 'account' FIRST,
    CHANGE COLUMN username name VARCHAR(64) NOT NULL,
    DROP PRIMARY KEY,
    ADD PRIMARY KEY (kind, name);
