#!/bin/sh
# Redirects: followed to https (same or other host), refused to http://,
# and a loop ends after 5 hops.
. ../lib/common.sh
. ../lib/https.sh
fault_server
good=$b/feed/cloudflare-ips-v4.txt
url_conf "$b/redirect?to=https://127.0.0.1:$port/feed/cloudflare-ips-v4.txt"
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep '^173.245.48.0/20$' "$T/o/list.txt"
expect_grep '^/feed/cloudflare-ips-v4.txt' "$T/fault-$port.log"
fault_expect "$good" "$b/redirect?to=http://127.0.0.1:$port/feed/cloudflare-ips-v4.txt" \
	'redirect to http://127.0.0.1:[0-9]+/feed/cloudflare-ips-v4.txt refused'
fault_expect "$good" "$b/loop/0" 'more than 5 redirects'
[ "$(grep -c '^/loop/' "$T/fault-$port.log")" -eq 6 ] || fail "not exactly 6 requests in the loop"
echo ok
