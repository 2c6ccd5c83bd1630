-- The account whose own profile this is: set when auth-service provisions it at sign-up, unique so that a retried
-- or repeated provisioning finds the profile it made instead of making another. Profiles a signed-in account adds
-- through POST /api/v1/users have none. Compared exactly, as owner_subject is.
ALTER TABLE users
    ADD COLUMN account_subject VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL AFTER owner_subject,
    ADD CONSTRAINT uk_users_account_subject UNIQUE (account_subject);
