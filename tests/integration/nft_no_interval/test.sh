#!/bin/sh
# Sets without flags interval (and with timeout or constant) are refused.
. ../lib/common.sh
. ../lib/nft.sh
X nft -f - <<'NFT'
table inet filter {
	set plain { type ipv4_addr; elements = { 192.0.2.1 } }
	set expiring { type ipv4_addr; flags interval, timeout; }
	set fixed { type ipv4_addr; flags interval, constant; elements = { 192.0.2.1 } }
}
NFT
printf '192.0.2.0/24\n' >"$T/list"
nft_conf "table = filter" "set4 = plain"
expect_exit 1 asy run
expect_grep 'set inet filter plain lacks flags interval' "$T/err"
X nft list set inet filter plain | grep -q 'elements = { 192.0.2.1 }' || fail "plain was changed"

nft_conf "table = filter" "set4 = expiring"
expect_exit 1 asy run
expect_grep 'set inet filter expiring has the timeout flag' "$T/err"

nft_conf "table = filter" "set4 = fixed"
expect_exit 1 asy run
expect_grep 'set inet filter fixed is constant' "$T/err"
echo ok
