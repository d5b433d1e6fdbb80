#!/bin/sh
# A server that sends one byte a second is cut off by the low-speed limit
# (timeout = 4 here: abort after 2 s below 64 bytes/s), well before the
# body would end (1000 s; 10 s leaves room for a slow, loaded machine).
. ../lib/common.sh
. ../lib/https.sh
fault_server
URL_TIMEOUT=4
fault_expect "$b/feed/cloudflare-ips-v4.txt" "$b/trickle" 'timeout: .*(too slow|timed out)'
[ "$took" -le 10 ] || fail "took ${took}s to give up"
echo ok
