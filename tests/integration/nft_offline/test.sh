#!/bin/sh
# `nft flush ruleset` + reload of the administrator's ruleset empties the
# set; `allowsync run --offline` refills it from the last good state
# without reading the sources (here: the list file is gone).
. ../lib/common.sh
. ../lib/nft.sh
cat >"$T/ruleset.nft" <<'NFT'
flush ruleset
table inet filter {
	set allowsync4 { type ipv4_addr; flags interval; }
	set allowsync6 { type ipv6_addr; flags interval; }
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr @allowsync4 tcp dport 25 accept
		ip6 saddr @allowsync6 tcp dport 25 accept
	}
}
NFT
X nft -f "$T/ruleset.nft"
printf '192.0.2.0/24\n198.51.100.7\n2001:db8::/32\n' >"$T/list"
cp "$T/list" "$T/expected"
nft_conf "table = filter" "set4 = allowsync4" "set6 = allowsync6"
expect_exit 0 asy run
check_set inet filter allowsync4 -4 "$T/expected"

# What nftables.service does on reload.
X nft flush ruleset
X nft -f "$T/ruleset.nft"
[ "$(set_count inet filter allowsync4)" = 0 ] || fail "reload did not empty the set"
rm "$T/list"
expect_exit 0 asy run --offline
check_set inet filter allowsync4 -4 "$T/expected"
check_set inet filter allowsync6 -6 "$T/expected"
# Run again offline: nothing to do.
expect_exit 0 asy -v run --offline
expect_grep 'output "fw": unchanged' "$T/err"
echo ok
