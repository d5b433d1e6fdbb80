#!/bin/sh
# Changes made behind allowsync's back (nft add/delete element) move the
# ruleset generation: the next run dumps the set, sees the difference
# and restores the wanted content.
. ../lib/common.sh
. ../lib/nft.sh
nft_conf "table = filter" "set4 = allowsync4" "set6 = allowsync6" "create = yes"
printf '192.0.2.0/24\n198.51.100.0/24\n2001:db8::/32\n2001:db8:1::/48\n' >"$T/list"
expect_exit 0 asy run
check_set inet filter allowsync4 -4 "$T/list"

X nft add element inet filter allowsync4 '{ 10.0.0.0/8 }'
X nft delete element inet filter allowsync6 '{ 2001:db8::/32 }'
expect_exit 0 asy run
expect_grep 'output "fw": updated' "$T/err"
check_set inet filter allowsync4 -4 "$T/list"
check_set inet filter allowsync6 -6 "$T/list"

# The whole set flushed by someone else.
X nft flush set inet filter allowsync4
expect_exit 0 asy run
check_set inet filter allowsync4 -4 "$T/list"

# A change elsewhere in the ruleset (generation moved, set untouched):
# dumped, found equal, nothing to do.
X nft add table ip other
expect_exit 0 asy -v run
expect_grep 'output "fw": unchanged' "$T/err"
# A record that lies (same generation, wrong content): the kernel
# refuses the delta (deleting what is not there), nothing is applied,
# and the run retries with a dump.
rec="$T/state/outputs/fw.nft"
# The record keeps IPv4 ranges as native uint32 pairs.
python3 - "$rec" <<'PY' || fail "unexpected record layout"
import struct, sys
path = sys.argv[1]
data = open(path, "rb").read()
old, new = struct.pack("=II", 0xc0000200, 0xc00002ff), struct.pack("=II", 0x0a000000, 0x0a0000ff)
if data.count(old) != 1:
    sys.exit(1)
open(path, "wb").write(data.replace(old, new))
PY
expect_exit 0 asy -v run
expect_grep 'retrying with a fresh view' "$T/err"
check_set inet filter allowsync4 -4 "$T/list"
echo ok
