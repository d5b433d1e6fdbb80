#!/bin/sh
# Secrets of url sources (issue 15): credentials never in the URL, kept in
# an auth_file of mode 0600 and sent to the configured host only; query
# tokens sent but never shown; neither in a message, `status`, nor any
# file of the state directory.  Against real nginx with auth_basic (an
# htpasswd made by openssl passwd -apr1) and a location that wants a
# Bearer header.  And a pubkey that is neither a file nor a key says so.
. ../lib/common.sh
. ../lib/https.sh

PW=s3cretPW42
TOKEN=t0kenQQ77
https_certs "$T/ca"
mkdir -p "$T/www/basic" "$T/www/bearer" "$T/www/open"
printf '192.0.2.0/24\n' >"$T/www/basic/list.txt"
printf '198.51.100.0/24\n' >"$T/www/bearer/list.txt"
printf '203.0.113.0/24\n' >"$T/www/open/list.txt"
printf 'alice:%s\n' "$(openssl passwd -apr1 "$PW")" >"$T/htpasswd"
NGINX_SERVER_EXTRA="location /basic/ { auth_basic \"allowsync\"; auth_basic_user_file $T/htpasswd; }
		location /bearer/ { if (\$http_authorization != \"Bearer $TOKEN\") { return 401; } }"
nginx_start "$T/www"
b=https://localhost:$port
# The documentation ranges served are special-use: allowed here.
uc() { url_conf "$@" "allow_special=yes"; }

# Nothing of $1 in the run's messages, `status`, or under the state dir.
nowhere() {
	for f in "$T/out" "$T/err"; do
		! grep -qF -- "$1" "$f" || { cat "$f" >&2; fail "\"$1\" in $f"; }
	done
	"$ALLOWSYNC" -c "$T/a.conf" status >"$T/status" 2>&1 || true
	! grep -qF -- "$1" "$T/status" || { cat "$T/status" >&2; fail "\"$1\" in status"; }
	if [ -d "$T/state" ] && grep -rlF -- "$1" "$T/state" >"$T/found"; then
		cat "$T/found" >&2
		fail "\"$1\" in the state directory"
	fi
}

# 1. Userinfo in the URL: refused by check, without repeating it.
uc "https://alice:$PW@localhost:$port/basic/list.txt"
expect_exit 2 "$ALLOWSYNC" -c "$T/a.conf" check
expect_grep "a.conf:8: \[source feed\] url: credentials in the URL are refused; put them in a file named by auth_file (mode 0600)" "$T/err"
nowhere "$PW"
expect_exit 2 "$ALLOWSYNC" -c "$T/a.conf" run
nowhere "$PW"

# 2. An auth_file others can read: refused by check.
printf 'alice:%s\n' "$PW" >"$T/auth"
chmod 644 "$T/auth"
uc "$b/basic/list.txt" "auth_file=$T/auth"
expect_exit 2 "$ALLOWSYNC" -c "$T/a.conf" check
expect_grep "a.conf:9: \[source feed\] auth_file = $T/auth: group or others have access (mode 0644): chmod 600 it" "$T/err"
nowhere "$PW"

# 3. Mode 0600: the fetch succeeds against the server that wants it.
chmod 600 "$T/auth"
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" check
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" -v run
expect_grep '^192.0.2.0/24$' "$T/o/list.txt"
nowhere "$PW"
nowhere "$(printf 'alice:%s' "$PW" | base64)"
# Without it, the server refuses (401): the auth_file made the
# difference.  Who asks may change what is served, so the copy fetched
# with the credentials is another origin's and does not serve (exit 1).
uc "$b/basic/list.txt"
expect_exit 1 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep 'HTTP 401' "$T/err"
expect_grep 'origin changed (auth_file): no last good copy for it' "$T/err"
rm -rf "$T/state" "$T/o"

# 4. An Authorization header line.
printf 'Authorization: Bearer %s\n' "$TOKEN" >"$T/bearer"
chmod 600 "$T/bearer"
uc "$b/bearer/list.txt" "auth_file=$T/bearer"
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" -v run
expect_grep '^198.51.100.0/24$' "$T/o/list.txt"
nowhere "$TOKEN"
rm -rf "$T/state" "$T/o"

# 5. A token in the query: sent (nginx ignores it), never shown.
uc "$b/open/list.txt?token=$TOKEN&v=1"
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" -v run
expect_grep '^203.0.113.0/24$' "$T/o/list.txt"
expect_grep "from $b/open/list.txt?token=REDACTED&v=REDACTED" "$T/err"
nowhere "$TOKEN"
expect_grep "1 entry from $b/open/list.txt?token=REDACTED&v=REDACTED" "$T/status"
# And in a failure (the last error is kept in the state too; another
# URL is another origin: exit 1, nothing served).
uc "$b/open/missing.txt?token=$TOKEN"
expect_exit 1 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep "source \"feed\": $b/open/missing.txt?token=REDACTED: HTTP 404" "$T/err"
nowhere "$TOKEN"
rm -rf "$T/state" "$T/o"

# 6. pubkey = neither a readable file nor a key.
uc "$b/open/list.txt" "pubkey=RWQnot-a-key"
expect_exit 2 "$ALLOWSYNC" -c "$T/a.conf" check
expect_grep "a.conf:9: \[source feed\] pubkey = RWQnot-a-key: neither a readable file nor a minisign public key (as a file: No such file or directory; as a key: " "$T/err"
uc "$b/open/list.txt" "pubkey=$T/no-such.pub"
expect_exit 2 "$ALLOWSYNC" -c "$T/a.conf" check
expect_grep "a.conf:9: \[source feed\] pubkey = $T/no-such.pub: neither a readable file nor a minisign public key" "$T/err"
echo ok
