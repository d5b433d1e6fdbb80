#!/bin/sh
# 404, 500, 503 from the server: last good kept, exit 3, the status named.
# 503 with Retry-After: the next run does not ask before that time.
. ../lib/common.sh
. ../lib/https.sh
fault_server
good=$b/feed/cloudflare-ips-v4.txt
fault_expect "$good" "$b/status/404" 'HTTP 404 Not Found'
fault_expect "$good" "$b/status/500" 'HTTP 500'
fault_expect "$good" "$b/status/503" 'HTTP 503'
fault_expect "$good" "$b/status/429?retry=3600" 'HTTP 429.*Retry-After'
n=$(grep -c '^/status/429' "$T/fault-$port.log")
expect_exit 3 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep 'asked to wait' "$T/err"
[ "$(grep -c '^/status/429' "$T/fault-$port.log")" -eq "$n" ] || fail "asked again despite Retry-After"
echo ok
