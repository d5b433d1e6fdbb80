#!/bin/sh
# type = nft-file: set definitions and defines that nft really loads
# (included in an administrator's ruleset), checked with nft -c before
# the old file is replaced; a refused file leaves the old one in place.
. ../lib/common.sh
. ../lib/nft.sh
printf '192.0.2.0/24\n198.51.100.0-198.51.100.9\n2001:db8::/32\n' >"$T/list"
conf_file "$T/allowsync.conf" "$T/state" "allow_special = yes" "max_shrink = 100%" <<CONF
[source list]
type = file
path = $T/list

[output sets]
type = nft-file
path = $T/sets.nft
set4 = allowsync4
set6 = allowsync6

[output defs]
type = nft-file
path = $T/defs.nft
define4 = ALLOWSYNC4
define6 = ALLOWSYNC6
CONF
expect_exit 0 asy run
grep -q '198.51.100.0-198.51.100.9' "$T/sets.nft" || fail "range not written as a range"

cat >"$T/ruleset.nft" <<NFT
flush ruleset
include "$T/defs.nft"
table inet filter {
	include "$T/sets.nft"
	set fromdef4 { type ipv4_addr; flags interval; elements = \$ALLOWSYNC4; }
	set fromdef6 { type ipv6_addr; flags interval; elements = \$ALLOWSYNC6; }
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr @allowsync4 tcp dport 25 accept
	}
}
NFT
X nft -f "$T/ruleset.nft" || fail "nft does not load the generated files"
check_set inet filter allowsync4 -4 "$T/list"
check_set inet filter allowsync6 -6 "$T/list"
check_set inet filter fromdef4 -4 "$T/list"
check_set inet filter fromdef6 -6 "$T/list"

expect_exit 0 asy -v run
expect_grep 'output "sets": unchanged' "$T/err"

# An nft that refuses the file: the old file stays.
mkdir "$T/bin"
printf '#!/bin/sh\necho "x.nft:1:1-3: Error: refused for the test" >&2\nexit 1\n' >"$T/bin/nft"
chmod +x "$T/bin/nft"
cp "$T/sets.nft" "$T/sets.before"
printf '203.0.113.0/24\n2001:db8::/32\n' >"$T/list"
expect_exit 1 X env PATH="$T/bin:$PATH" "$ALLOWSYNC" -c "$T/allowsync.conf" run
expect_grep 'output "sets": .*nft -c refused the new file: x.nft:1:1-3: Error: refused for the test' "$T/err"
cmp -s "$T/sets.nft" "$T/sets.before" || fail "the refused file replaced the old one"
ls -a "$T" | grep -q 'allowsync-' && fail "temporary file left behind"

# No nft at all: written unchecked.
expect_exit 0 X env PATH=/nonexistent "$ALLOWSYNC" -v -c "$T/allowsync.conf" run
expect_grep 'nft is not installed' "$T/err"
grep -q '203.0.113.0/24' "$T/sets.nft" || fail "not written without nft"
X nft -f "$T/ruleset.nft" || fail "nft does not load the new files"
check_set inet filter allowsync4 -4 "$T/list"

# A define cannot be empty in nft: refused, old file kept.
printf '203.0.113.0/24\n' >"$T/list"
expect_exit 1 asy run
expect_grep 'no IPv6 ranges for define ALLOWSYNC6' "$T/err"
echo ok
