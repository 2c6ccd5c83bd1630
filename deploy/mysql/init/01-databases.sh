#!/bin/bash
# Runs once, when the MySQL volume is empty: one database and one account per service, as in production.
# Passwords come from the environment (.env), never from this file.
set -euo pipefail
mysql --user=root --password="${MYSQL_ROOT_PASSWORD}" <<SQL
CREATE DATABASE IF NOT EXISTS auth CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;
CREATE DATABASE IF NOT EXISTS users CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;
CREATE DATABASE IF NOT EXISTS orders CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;
CREATE USER IF NOT EXISTS 'auth'@'%' IDENTIFIED BY '${AUTH_DB_PASSWORD}';
CREATE USER IF NOT EXISTS 'users'@'%' IDENTIFIED BY '${USERS_DB_PASSWORD}';
CREATE USER IF NOT EXISTS 'orders'@'%' IDENTIFIED BY '${ORDERS_DB_PASSWORD}';
GRANT ALL PRIVILEGES ON auth.* TO 'auth'@'%';
GRANT ALL PRIVILEGES ON users.* TO 'users'@'%';
GRANT ALL PRIVILEGES ON orders.* TO 'orders'@'%';
FLUSH PRIVILEGES;
SQL
