#!/bin/sh
# Without CAP_NET_ADMIN: "needs CAP_NET_ADMIN", exit 1, the set left as
# it is; the file output of the same run is still written.
. ../lib/common.sh
. ../lib/nft.sh
command -v setpriv >/dev/null 2>&1 || skip "setpriv is not installed"
X nft -f - <<'NFT'
table inet filter {
	set allowsync4 { type ipv4_addr; flags interval; elements = { 10.1.1.1 } }
}
NFT
printf '192.0.2.0/24\n' >"$T/list"
nft_conf "table = filter" "set4 = allowsync4"
printf '\n[output plain]\ntype = text\npath = %s/plain.txt\n' "$T" >>"$T/allowsync.conf"
expect_exit 1 X setpriv --bounding-set -net_admin --inh-caps -net_admin \
	"$ALLOWSYNC" -c "$T/allowsync.conf" run
expect_grep 'output "fw": .*needs CAP_NET_ADMIN' "$T/err"
[ "$(set_count inet filter allowsync4)" = 1 ] || fail "the set was changed"
grep -q '192.0.2.0/24' "$T/plain.txt" || fail "the text output was not written"
echo ok
