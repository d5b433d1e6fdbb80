#!/bin/sh
# A set whose key is not ipv4_addr (or ipv6_addr for set6) is refused and
# left as it is.
. ../lib/common.sh
. ../lib/nft.sh
X nft -f - <<'NFT'
table inet filter {
	set allowsync4 { type ipv6_addr; flags interval; elements = { 2001:db8::1 } }
	set allowsync6 { type inet_service; flags interval; elements = { 25 } }
}
NFT
printf '192.0.2.0/24\n2001:db8::/32\n' >"$T/list"
nft_conf "table = filter" "set4 = allowsync4"
expect_exit 1 asy run
expect_grep 'set inet filter allowsync4: key type is not ipv4_addr' "$T/err"
[ "$(set_count inet filter allowsync4)" = 1 ] || fail "allowsync4 was changed"

nft_conf "table = filter" "set6 = allowsync6"
expect_exit 1 asy run
expect_grep 'set inet filter allowsync6: key type is not ipv6_addr' "$T/err"
X nft list set inet filter allowsync6 | grep -q 'elements = { 25 }' || fail "allowsync6 was changed"
echo ok
