#!/bin/sh
# 200 000 IPv4 ranges: created in one transaction, checked element by
# element, then a 1% change applied as a delta.
. ../lib/common.sh
. ../lib/nft.sh
declare_set4
ranges4 200000 1 >"$T/list"
nft_conf "table = filter" "set4 = allowsync4"
expect_exit 0 asy run
[ "$(set_count inet filter allowsync4)" = 200000 ] || fail "not 200000 elements"
check_set inet filter allowsync4 -4 "$T/list"

# Change 1%: every 100th range moves by one address.
awk 'NR % 100 == 0 { gsub(/^11\./, "12."); gsub(/-11\./, "-12."); } { print }' "$T/list" >"$T/list2"
mv "$T/list2" "$T/list"
expect_exit 0 asy run
expect_grep 'output "fw": updated' "$T/err"
check_set inet filter allowsync4 -4 "$T/list"
echo ok
