#!/bin/sh
# create = yes: table and both interval sets created in the transaction
# that fills them; a second run changes nothing.
. ../lib/common.sh
. ../lib/nft.sh
nft_conf "table = filter" "set4 = allowsync4" "set6 = allowsync6" "create = yes"
printf '192.0.2.0/24\n198.51.100.7\n203.0.113.0-203.0.113.9\n255.255.255.0/24\n2001:db8::/32\nffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120\n' >"$T/list"

expect_exit 0 asy run
X nft -j list set inet filter allowsync4 | jq -e '.nftables[1].set | .type == "ipv4_addr" and (.flags | index("interval"))' >/dev/null ||
	fail "allowsync4 is not an ipv4_addr interval set"
X nft -j list set inet filter allowsync6 | jq -e '.nftables[1].set | .type == "ipv6_addr" and (.flags | index("interval"))' >/dev/null ||
	fail "allowsync6 is not an ipv6_addr interval set"
check_set inet filter allowsync4 -4 "$T/list"
check_set inet filter allowsync6 -6 "$T/list"
# Ranges go in as intervals, not split into CIDRs.
X nft -j list set inet filter allowsync4 | jq -e '[.nftables[1].set.elem[] | select(type == "object" and has("range"))] | length == 1' >/dev/null ||
	fail "203.0.113.0-203.0.113.9 is not one interval"

expect_exit 0 asy -v run
expect_grep 'output "fw": unchanged' "$T/err"
check_set inet filter allowsync4 -4 "$T/list"
echo ok
