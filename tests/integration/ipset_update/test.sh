#!/bin/sh
# The ipset output with an iptables rule that references its sets:
# created sets, a small change (one batch of additions and deletions),
# a large one (a temporary set swapped in), drift undone, an unchanged
# run, --offline after a flush, and diff/show/why — checked with
# `ipset test` and against the wanted list each time; the rule keeps
# referencing the set throughout.
. ../lib/common.sh
. ../lib/ipset.sh
X ipset create allow4 hash:net family inet
printf '192.0.2.0/24\n198.51.100.7\n203.0.113.0/25\n2001:db8::/32\n' >"$T/list"
ipset_conf "set4 = allow4" "set6 = allow6" "create = yes"
ipset_rule allow4
not_in_set allow4 192.0.2.1
expect_exit 0 asy run
check_set allow4 -4 "$T/list"
check_set allow6 -6 "$T/list"
in_set allow4 192.0.2.1
in_set allow4 198.51.100.7
not_in_set allow4 198.51.100.8
in_set allow6 2001:db8::1
[ "$(refs allow4)" = 1 ] || fail "the rule lost its set"
X ip6tables -A INPUT -p tcp --dport 25 -m set --match-set allow6 src -j ACCEPT

# Unchanged: nothing sent, the record stands in for a dump.
expect_exit 0 asy -vv run
expect_grep 'output "fw": unchanged' "$T/err"
expect_grep 'ipset: view .* (record)' "$T/err"

# A small change among many kept: one batch, no temporary set.
python3 -c "
for i in range(200): print('10.%d.%d.0/24' % (i // 128, i % 128 * 2))" >"$T/many"
cat "$T/list" "$T/many" >"$T/list2"
cp "$T/list2" "$T/list"
expect_exit 0 asy run
check_set allow4 -4 "$T/list"
sed 's|^10\.0\.6\.0/24$|10.0.6.0/25|' "$T/list2" >"$T/list"
expect_exit 0 asy -vv run
check_set allow4 -4 "$T/list"
in_set allow4 10.0.6.1
not_in_set allow4 10.0.6.200
expect_grep 'updated: +0 -1' "$T/err"
sets | grep -q '^allowsync-' && fail "a temporary set is left"

# A large change: swapped in; the rule still references allow4.
printf '198.18.0.0/15\n100.64.0.0/10\n2001:db8::/32\n' >"$T/list"
expect_exit 0 asy run
check_set allow4 -4 "$T/list"
in_set allow4 100.64.0.1
not_in_set allow4 192.0.2.1
[ "$(refs allow4)" = 1 ] || fail "the rule lost its set after the swap"
sets | grep -q '^allowsync-' && fail "a temporary set is left after the swap"

# Drift: added and removed by hand, undone by the next run.
X ipset add allow4 192.0.2.0/24
X ipset del allow4 198.18.0.0/15
X ipset add allow4 100.64.0.0/16 nomatch
expect_exit 0 asy diff
expect_grep '^-192.0.2.0/24' "$T/out"
expect_grep '^+198.18.0.0/15' "$T/out"
in_set allow4 192.0.2.1
not_in_set allow4 198.18.0.1
not_in_set allow4 100.64.0.1
expect_exit 0 asy run
check_set allow4 -4 "$T/list"
not_in_set allow4 192.0.2.1
in_set allow4 198.18.0.1
in_set allow4 100.64.0.1

# show and why.
expect_exit 0 asy show fw
expect_grep '^add allow4 100.64.0.0/10$' "$T/out"
expect_grep '^add allow6 2001:db8::/32$' "$T/out"
expect_exit 0 asy why 100.64.1.1
expect_grep 'fw' "$T/out"

# A flush (what a reload of ipset.service or netfilter-persistent can
# do): --offline refills it without reading the sources.
X ipset flush allow4
rm "$T/list"
expect_exit 0 asy run --offline
printf '198.18.0.0/15\n100.64.0.0/10\n2001:db8::/32\n' >"$T/expected"
check_set allow4 -4 "$T/expected"
in_set allow4 100.64.0.1
expect_exit 0 asy -v run --offline
expect_grep 'output "fw": unchanged' "$T/err"
echo ok
