#!/bin/sh
# A declared size smaller than the number of ranges is refused before
# anything is sent; a size that fits is used.
. ../lib/common.sh
. ../lib/nft.sh
X nft -f - <<'NFT'
table inet filter {
	set allowsync4 { type ipv4_addr; flags interval; size 2; elements = { 10.1.1.1 } }
}
NFT
printf '192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24\n' >"$T/list"
nft_conf "table = filter" "set4 = allowsync4"
expect_exit 1 asy run
expect_grep 'set inet filter allowsync4: size 2 is too small for 3 ranges' "$T/err"
[ "$(set_count inet filter allowsync4)" = 1 ] || fail "the set was changed"

printf '192.0.2.0/24\n198.51.100.0/24\n' >"$T/list"
expect_exit 0 asy run
check_set inet filter allowsync4 -4 "$T/list"
echo ok
