#!/bin/sh
# One-shot job of docker compose (and of the nacos-mode system test): sets the Nacos admin password on first start
# (Nacos 3 has none until then), waits until that account can log in, and creates the namespaces the environments
# register in. Safe to run again; exits non-zero, saying why, when anything is not done.
#
# NACOS_SERVER_ADDR (host:port, default nacos:8848), NACOS_USERNAME, NACOS_PASSWORD, NACOS_NAMESPACES (default
# "dev staging prod"), NACOS_INIT_TIMEOUT (seconds to wait for a login, default 120).
set -eu
NACOS="http://${NACOS_SERVER_ADDR:-nacos:8848}/nacos"
NAMESPACES="${NACOS_NAMESPACES:-dev staging prod}"
TIMEOUT="${NACOS_INIT_TIMEOUT:-120}"
fail() { echo "nacos-init: $*" >&2; exit 1; }
[ -n "${NACOS_PASSWORD:-}" ] || fail "NACOS_PASSWORD is not set"

# Answers 200 on the first initialisation and an error on every later one: which one it was does not matter here;
# the login below tells whether the password is the one this deployment expects.
# The password goes on stdin, never on a command line another process could read.
printf '%s' "$NACOS_PASSWORD" | curl -sS -m 10 -o /dev/null -X POST "$NACOS/v3/auth/user/admin" \
	--data-urlencode "password@-" || fail "Nacos at $NACOS does not answer"

# Where Nacos caches users (its image with NACOS_AUTH_CACHE_ENABLE=true, the source distribution), a new account
# is refused for up to 15 s: keep trying, for long enough, before calling the password wrong.
deadline=$(( $(date +%s) + TIMEOUT ))
TOKEN=""
while :; do
	answer=$(printf '%s' "$NACOS_PASSWORD" | curl -sS -m 10 -X POST "$NACOS/v3/auth/user/login" \
		--data-urlencode "username=${NACOS_USERNAME:-nacos}" --data-urlencode "password@-" 2>/dev/null || true)
	TOKEN=$(printf '%s' "$answer" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
	[ -n "$TOKEN" ] && break
	[ "$(date +%s)" -lt "$deadline" ] || fail "cannot log in to Nacos as ${NACOS_USERNAME:-nacos} within ${TIMEOUT}s (last answer: $(printf '%s' "${answer:-none}" | sed 's/"accessToken" *: *"[^"]*"/"accessToken":"..."/'))"
	sleep 1
done

existing=$(curl -fsS -m 10 "$NACOS/v3/admin/core/namespace/list" -H "accessToken: $TOKEN") \
	|| fail "cannot list Nacos namespaces"
for namespace in $NAMESPACES; do
	if printf '%s' "$existing" | grep -q "\"namespace\":\"$namespace\""; then
		continue
	fi
	answer=$(curl -sS -m 10 -w ' HTTP %{http_code}' -X POST "$NACOS/v3/admin/core/namespace" -H "accessToken: $TOKEN" \
		--data-urlencode "namespaceId=$namespace" --data-urlencode "namespaceName=$namespace") || true
	case "$answer" in
		*'"code":0'*'HTTP 200') ;;
		*) fail "cannot create namespace $namespace: $answer" ;;
	esac
done
echo "nacos-init: admin user and namespaces ($NAMESPACES) ready"
