#!/bin/sh
# create = no (the default): a missing set or table is an error, exit 1,
# and nothing is created.
. ../lib/common.sh
. ../lib/nft.sh
printf '192.0.2.0/24\n' >"$T/list"
nft_conf "table = filter" "set4 = allowsync4"
expect_exit 1 asy run
expect_grep 'set inet filter allowsync4 not found' "$T/err"
X nft list tables | grep -q . && fail "something was created"

X nft add table inet filter
X nft add set inet filter other '{ type ipv4_addr; flags interval; }'
expect_exit 1 asy run
expect_grep 'output "fw": .*set inet filter allowsync4 not found' "$T/err"
X nft list set inet filter allowsync4 >/dev/null 2>&1 && fail "the set was created"
echo ok
