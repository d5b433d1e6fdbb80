#!/bin/sh
# SIGKILL at random points of runs that replace a 50k-network set
# referenced by an iptables rule (two lists in turn, so every run swaps)
# and of runs that change 1% of it (a batch in place): after a kill the
# set holds the whole old list or the whole new one (a swap), or the old
# one plus some of the additions (a batch: nothing wanted is missing);
# the next run converges and leaves no temporary set.
. ../lib/common.sh
. ../lib/ipset.sh
python3 - "$T" <<'PY'
import random, sys
t = sys.argv[1]
r = random.Random(11)
for name in 'AB':
    seen = set()
    while len(seen) < 50000:
        seen.add((r.randrange(11, 220) << 24) | (r.randrange(0, 1 << 16) << 8))
    with open(f'{t}/{name}.txt', 'w') as f:
        for v in sorted(seen):
            f.write('%d.%d.%d.%d/24\n' % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255))
# A1: A with every 100th network moved.
with open(f'{t}/A.txt') as f, open(f'{t}/A1.txt', 'w') as g:
    for i, line in enumerate(f):
        g.write(line if i % 100 else '10.%d.%d.0/24\n' % (i // 256 % 256, i % 256))
PY
X ipset create allow4 hash:net maxelem 200000
ipset_rule allow4
ipset_conf "set4 = allow4"
for v in A B A1; do "$ALLOWSYNC" aggregate --ranges -4 "$T/$v.txt" >"$T/$v.ranges"; done
cp "$T/A.txt" "$T/list"; expect_exit 0 asy run
start=$(date +%s%N)
cp "$T/B.txt" "$T/list"; expect_exit 0 asy run
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "one swap of 50k networks: ${ms} ms"

# whole_or_between OLD NEW: the set is exactly OLD or NEW, or (a batch
# cut short) holds all of OLD ∩ NEW and nothing outside OLD ∪ NEW.
check_after_kill() {
	set_ranges allow4 >"$T/live"
	cmp -s "$T/live" "$T/$1.ranges" && return 0
	cmp -s "$T/live" "$T/$2.ranges" && return 0
	[ "$3" = batch ] || fail "kill $i: the set is neither $1 nor $2 after a swap"
	python3 - "$T" "$1" "$2" <<'PY' || fail "kill $i: the set lost wanted networks"
import sys
t, a, b = sys.argv[1:]
import ipaddress
# Compared as /24s covered, not as strings: the set holds the merged
# list, so two adjacent /24s of a list are one /23 element.
def covered(nets):
    out = set()
    for n in nets:
        out.update(ipaddress.ip_network(n).subnets(new_prefix=24))
    return out
def load(n):
    return covered(l.strip() for l in open(f'{t}/{n}.txt'))
live = covered(l.split()[2] for l in open(f'{t}/save') if l.startswith('add '))
old, new = load(a), load(b)
sys.exit(0 if (old & new) <= live and live <= (old | new) else 1)
PY
}
python3 -c "
import random
r = random.Random()
for i in range(16): print('%.3f' % r.uniform(0.005, $ms * 1.2 / 1000))" >"$T/delays"
killed=0 cur=B
for i in $(seq 1 16); do
	delay=$(sed -n "${i}p" "$T/delays")
	case $cur in
	A) next=B mode=swap ;;
	B) next=A mode=swap ;;
	esac
	[ $((i % 4)) = 0 ] && { next=A1 mode=batch; [ "$cur" = A ] || { cp "$T/A.txt" "$T/list"; asy run >/dev/null 2>&1; cur=A; }; }
	cp "$T/$next.txt" "$T/list"
	# Not through X: a function would run in a subshell, whose pid $! is.
	ip netns exec "$NS" "$ALLOWSYNC" -c "$T/allowsync.conf" run >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null && killed=$((killed + 1)) || true
	wait $pid 2>/dev/null || true
	X ipset save allow4 >"$T/save"
	check_after_kill "$cur" "$next" "$mode"
	[ "$(refs allow4)" = 1 ] || fail "kill $i: the rule lost its set"
	# Converges, no temporary left.
	expect_exit 0 asy run
	check_set allow4 -4 "$T/$next.txt"
	sets | grep -q '^allowsync-' && fail "kill $i: a temporary set is left"
	cur=$next
	[ "$cur" = A1 ] && { cp "$T/A.txt" "$T/list"; expect_exit 0 asy run; cur=A; }
done
echo "$killed of 16 runs killed mid-way"
[ "$killed" -gt 3 ] || fail "too few runs were killed to mean anything"
echo ok
