#!/bin/sh
# A source's timeout bounds its whole collect, not each request: the
# document comes 2.5 s late (under the low-speed limit's 3 s), its
# signature's server never answers (it accepts and stays silent), and
# timeout = 6 — the signature's request gets the 3.5 s or so that are
# left, not 6 s more.  Asserted on the time libcurl reports it waited,
# which cannot reach 5 s unless the document came early.
. ../lib/common.sh
. ../lib/https.sh
fault_server
dead_port --blackhole
expect_exit 0 "$ALLOWSYNC" keygen -p "$T/k.pub" -s "$T/k.sec"
mkdir -p "$T/o"
conf_file "$T/a.conf" "$T/state" "ca_file = $T/ca/ca.pem" <<EOC
[source feed]
type = url
url = $b/after/cloudflare-ips-v4.txt?ms=2500
pubkey = $T/k.pub
sig_url = https://localhost:$dead/cloudflare-ips-v4.txt.minisig
timeout = 6

[output list]
type = text
path = $T/o/list.txt
sources = feed
EOC
expect_exit 1 "$ALLOWSYNC" -c "$T/a.conf" run
cat "$T/err"
expect_grep 'source "feed": signature not fetched: https://localhost:[0-9]*/cloudflare-ips-v4.txt.minisig: timeout: .* after [0-9]* milliseconds' "$T/err"
waited=$(sed -n 's/.*minisig: timeout: .* after \([0-9]*\) milliseconds.*/\1/p' "$T/err")
[ "$waited" -lt 5000 ] || fail "the signature's request waited ${waited} ms: more than the source's timeout left"
[ -e "$T/o/list.txt" ] && fail "an output was written from a source that has nothing"
echo ok
