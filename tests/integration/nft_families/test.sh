#!/bin/sh
# family ip / ip6 / inet; a family without a set is reported and dropped.
. ../lib/common.sh
. ../lib/nft.sh
printf '192.0.2.0/24\n198.51.100.7\n2001:db8::/32\n2001:db8:5::/48\n' >"$T/list"

nft_conf "family = ip" "table = t4" "set4 = s4" "create = yes"
expect_exit 0 asy run
expect_grep 'IPv6 ranges dropped: no set6' "$T/err"
check_set ip t4 s4 -4 "$T/list"

nft_conf "family = ip6" "table = t6" "set6 = s6" "create = yes"
expect_exit 0 asy run
expect_grep 'IPv4 ranges dropped: no set4' "$T/err"
check_set ip6 t6 s6 -6 "$T/list"

nft_conf "family = inet" "table = both" "set4 = s4" "set6 = s6" "create = yes"
expect_exit 0 asy run
check_set inet both s4 -4 "$T/list"
check_set inet both s6 -6 "$T/list"
if grep -q dropped "$T/err"; then fail "nothing should be dropped with both sets"; fi

nft_conf "family = arp" "table = t" "set4 = s4"
expect_exit 2 asy check
expect_grep 'family = arp' "$T/err"
echo ok
