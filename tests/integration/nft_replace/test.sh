#!/bin/sh
# Sets the administrator declared: their old elements are replaced by
# the wanted ones, then a different list replaces those, in place.
. ../lib/common.sh
. ../lib/nft.sh
X nft -f - <<'NFT'
table ip filter {
	set allowsync4 { type ipv4_addr; flags interval; elements = { 10.9.9.0/24, 192.0.2.0/25 } }
	chain input { type filter hook input priority 0; policy accept; ip saddr @allowsync4 tcp dport 25 accept; }
}
NFT
nft_conf "family = ip" "table = filter" "set4 = allowsync4"
printf '192.0.2.0/24\n198.51.100.0/24\n0.0.0.0/8\n255.255.255.255\n' >"$T/list"
expect_exit 0 asy run
check_set ip filter allowsync4 -4 "$T/list"

# Overlapping, shifted, split and merged ranges (the three /9s at the
# bottom merge into one range whose broadest prefix is the hard floor's
# /8: two adjacent /8s would merge into a /7, which the policy refuses).
printf '192.0.2.0-192.0.2.127\n192.0.2.200-192.0.2.255\n198.51.100.0/23\n0.0.0.0/9\n0.128.0.0/9\n1.0.0.0/9\n203.0.113.5\n' >"$T/list"
expect_exit 0 asy run
expect_grep 'output "fw": updated' "$T/err"
check_set ip filter allowsync4 -4 "$T/list"

# A complete replacement (flush and refill in one transaction).
printf '8.8.8.0/24\n9.9.9.9\n1.1.1.0/24\n' >"$T/list"
expect_exit 0 asy run
check_set ip filter allowsync4 -4 "$T/list"
# The rule that uses the set is untouched.
X nft list chain ip filter input | grep -q 'ip saddr @allowsync4 tcp dport 25 accept' || fail "rule lost"
echo ok
