#!/bin/sh
# One-shot job of docker compose: sets the Nacos admin password on first start (Nacos 3 has none until then)
# and creates the namespaces the environments register in. Safe to run again.
set -eu
NACOS="http://nacos:8848/nacos"
# Nacos 3 refuses a second initialisation; that is fine.
curl -fsS -X POST "$NACOS/v3/auth/user/admin" --data-urlencode "password=${NACOS_PASSWORD}" >/dev/null 2>&1 || true
TOKEN=$(curl -fsS -X POST "$NACOS/v3/auth/user/login" --data-urlencode "username=${NACOS_USERNAME}" \
	--data-urlencode "password=${NACOS_PASSWORD}" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "nacos-init: cannot log in to Nacos as ${NACOS_USERNAME}" >&2; exit 1; }
for namespace in dev staging prod; do
	curl -fsS -X POST "$NACOS/v3/admin/core/namespace" -H "accessToken: $TOKEN" \
		--data-urlencode "namespaceId=$namespace" --data-urlencode "namespaceName=$namespace" >/dev/null 2>&1 || true
done
echo "nacos-init: admin user and namespaces ready"
