-- Who a profile belongs to: the subject of the access token that created it (auth-service's account name, or the
-- subject another identity provider issues, hence up to 255 characters). Profiles made before owners existed
-- have none: only an administrator can read them. Compared exactly (binary): subjects that differ only in case or
-- accents are different people.
ALTER TABLE users
    ADD COLUMN owner_subject VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL AFTER id,
    ADD INDEX ix_users_owner_subject (owner_subject);
