#!/bin/sh
# The document cache (state_dir/cache) against real nginx:
# - a document refused downstream (policy) stays refused when the server
#   answers 304 afterwards, even within the same second as the good
#   fetch: the cached body is parsed and checked again, never passed off
#   as "not modified";
# - a changed selector on an unchanged document (304) takes effect;
# - refresh = 1h: a second run makes no request at all;
# - a cache whose body was tampered with is ignored (full fetch).
. ../lib/common.sh
. ../lib/https.sh

https_certs "$T/ca"
mkdir -p "$T/www"
cp "$FIXTURES/feeds/google-goog.json" "$T/www/goog.json"
printf '5.9.0.0/16\n' >"$T/www/list.txt"
# nginx's ETag and Last-Modified come from the mtime: the documents get
# theirs explicitly, and a change a new one, not whatever second it is.
stamp=$(($(date +%s) - 1000))
touch -d "@$stamp" "$T/www/goog.json" "$T/www/list.txt"
nginx_start "$T/www"   # sets port
log=$T/nginx-$port/access.log
b=https://localhost:$port
count() { grep -c "GET $1 $2" "$log" || true; }

# 1. Refused, then 304: still refused (exit 3), output untouched.
url_conf "$b/list.txt"
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep '^5.9.0.0/16$' "$T/o/list.txt"
# The refused fetch may come within the same second: the last good copy
# records which cached document it came from, not only when.
printf '5.9.0.0/16\n4.0.0.0/6\n' >"$T/www/list.txt"   # broader than the /8 hard floor
touch -d "@$((stamp + 100))" "$T/www/list.txt"
expect_exit 3 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep 'refused: ' "$T/err"
expect_exit 3 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep 'refused: ' "$T/err"
[ "$(count /list.txt 304)" -eq 1 ] || { cat "$log"; fail "third run did not get 304"; }
grep -qx "5.9.0.0/16" "$T/o/list.txt" && ! grep -q "^4\." "$T/o/list.txt" || { cat "$T/o/list.txt"; fail "output changed"; }

# 2. A new selector on an unchanged document.
rm -rf "$T/state" "$T/o"
url_conf "$b/goog.json" format=json 'select=$.prefixes[*].ipv6Prefix'
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
grep -q '^8\.8\.' "$T/o/list.txt" && fail "IPv4 present with the IPv6 selector"
url_conf "$b/goog.json" format=json 'select=$.prefixes[*].ipv6Prefix' \
	'select=$.prefixes[*].ipv4Prefix' min_prefix4=8
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
[ "$(count /goog.json 304)" -eq 1 ] || { cat "$log"; fail "no 304 for the unchanged document"; }
expect_grep '^8.8.4.0/24$' "$T/o/list.txt"

# 3. refresh: no request while the cache is younger than that.
n=$(count /goog.json '')
url_conf "$b/goog.json" format=json 'select=$.prefixes[*].ipv6Prefix' \
	'select=$.prefixes[*].ipv4Prefix' min_prefix4=8 refresh=1h
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
[ "$(count /goog.json '')" -eq "$n" ] || fail "asked the server despite refresh = 1h"
expect_grep '^8.8.4.0/24$' "$T/o/list.txt"

# 4. A tampered cache body is not trusted: fetched in full again.
echo '{"prefixes":[{"ipv4Prefix":"1.2.3.0/24"}]}' >"$T/state/cache/feed.body"
url_conf "$b/goog.json" format=json 'select=$.prefixes[*].ipv6Prefix' \
	'select=$.prefixes[*].ipv4Prefix' min_prefix4=8
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep 'does not match its digest' "$T/err"
[ "$(count /goog.json 200)" -eq 2 ] || { cat "$log"; fail "no full fetch after tampering"; }
grep -q '^1\.2\.3\.' "$T/o/list.txt" && fail "tampered cache used"
echo ok
