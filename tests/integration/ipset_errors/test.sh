#!/bin/sh
# One-line refusals, each leaving the set as it was (exit 1) while the
# run's other outputs are still written: the set missing, a hash:ip set,
# the wrong family, a default timeout, maxelem too small, no
# CAP_NET_ADMIN.
. ../lib/common.sh
. ../lib/ipset.sh
printf '192.0.2.0/24\n198.51.100.0/25\n' >"$T/list"
ipset_conf "set4 = allow4"
printf '\n[output plain]\ntype = text\npath = %s/plain.txt\n' "$T" >>"$T/allowsync.conf"

expect_exit 1 asy run
expect_grep 'output "fw": .*set allow4 not found (ipset create allow4 hash:net family inet, or create = yes)' "$T/err"
grep -q '192.0.2.0/24' "$T/plain.txt" || fail "the text output was not written"

X ipset create allow4 hash:ip
X ipset add allow4 10.1.1.1
expect_exit 1 asy run
expect_grep 'output "fw": .*set allow4 is hash:ip, not hash:net: it cannot hold networks' "$T/err"
X ipset destroy allow4

X ipset create allow4 hash:net family inet6
expect_exit 1 asy run
expect_grep 'output "fw": .*set allow4 has family inet6, set4 needs family inet' "$T/err"
X ipset destroy allow4

X ipset create allow4 hash:net timeout 600
expect_exit 1 asy run
expect_grep 'output "fw": .*set allow4 has a default timeout' "$T/err"
X ipset destroy allow4

X ipset create allow4 hash:net maxelem 1
X ipset add allow4 10.1.1.0/24
expect_exit 1 asy run
expect_grep 'output "fw": .*set allow4: maxelem 1 is too small for 2 networks' "$T/err"
[ "$(X ipset save allow4 | grep -c '^add')" = 1 ] || fail "the set was changed"
X ipset -q test allow4 10.1.1.1 || fail "the set was changed"

# Without CAP_NET_ADMIN.
X ipset destroy allow4
X ipset create allow4 hash:net
X ipset add allow4 10.1.1.0/24
if command -v setpriv >/dev/null 2>&1; then
	expect_exit 1 X setpriv --bounding-set -net_admin --inh-caps -net_admin \
		"$ALLOWSYNC" -c "$T/allowsync.conf" run
	expect_grep 'output "fw": .*needs CAP_NET_ADMIN' "$T/err"
	[ "$(X ipset save allow4 | grep -c '^add')" = 1 ] || fail "the set was changed"
fi
# And with it, it works.
expect_exit 0 asy run
check_set allow4 -4 "$T/list"
echo ok
