#!/bin/sh
# Proxies: the environment's (https_proxy, HTTPS_PROXY, ALL_PROXY, pointing
# at a dead port) are ignored; `proxy =` in the source is used: through a
# CONNECT proxy of our own the fetch works (TLS still verified end to
# end), and a dead proxy fails the fetch, naming the connect failure.
. ../lib/common.sh
. ../lib/https.sh
fault_server
dead_port
export https_proxy=http://127.0.0.1:$dead HTTPS_PROXY=http://127.0.0.1:$dead
export ALL_PROXY=http://127.0.0.1:$dead all_proxy=http://127.0.0.1:$dead NO_PROXY= no_proxy=
url_conf "$b/feed/cloudflare-ips-v4.txt"
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep '^173.245.48.0/20$' "$T/o/list.txt"
sum=$(cksum <"$T/o/list.txt")
url_conf "$b/feed/cloudflare-ips-v4.txt" "proxy=http://127.0.0.1:$dead"
expect_exit 3 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep "source \"feed\": $b/feed/cloudflare-ips-v4.txt: connect: .*127.0.0.1 port $dead" "$T/err"
expect_grep 'keeping last good' "$T/err"
[ "$(cksum <"$T/o/list.txt")" = "$sum" ] || fail "output changed"

python3 "$LIB/connectproxy.py" 0 "$T/proxy.log" "$T/proxy.port" 2>"$T/proxy.err" &
ppid=$!
at_exit "kill $ppid 2>/dev/null"
wait_ready "$T/proxy.port" "$ppid" "$T/proxy.err" "the CONNECT proxy"
pp=$(cat "$T/proxy.port")
url_conf "$b/feed/cloudflare-ips-v4.txt" "proxy=http://127.0.0.1:$pp"
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep "^CONNECT localhost:$port HTTP/1.1" "$T/proxy.log"
expect_grep '^173.245.48.0/20$' "$T/o/list.txt"
echo ok
