#!/bin/sh
# SIGKILL at random points of runs that replace a large list (two 100k-
# entry lists in turn): every output is always exactly the complete old
# or the complete new file, and the next undisturbed run converges.
. ../lib/pipe.sh
command -v python3 >/dev/null || skip "python3 not installed"
python3 - "$T" <<'PY'
import random, sys
t = sys.argv[1]
r = random.Random(7)
for name in 'AB':
    seen = set()
    while len(seen) < 100000:
        seen.add((r.randrange(11, 220) << 24) | (r.randrange(0, 1 << 16) << 8) | (r.randrange(0, 256) & ~1))
    with open(f'{t}/{name}.txt', 'w') as f:
        for v in seen:
            f.write('%d.%d.%d.%d/31\n' % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255))
PY
conf "max_shrink = 100%" <<EOF2
[source s]
type = file
path = $T/list.txt
max_entries = 1000000
allow_special = yes
[output t]
type = text
path = $T/o/t.txt
[output p]
type = postfix
path = $T/o/p.cidr
EOF2
# The two complete versions of each output.
for v in A B; do
	cp "$T/$v.txt" "$T/list.txt"
	expect_exit 0 as run
	cp "$T/o/t.txt" "$T/t.$v"; cp "$T/o/p.cidr" "$T/p.$v"
done
cmp -s "$T/t.A" "$T/t.B" && fail "the two versions are identical"
# The length of a full replacement: the median of three, so that one run
# slowed by something else does not stretch every delay below.
for v in A B A; do
	start=$(date +%s%N)
	cp "$T/$v.txt" "$T/list.txt"; expect_exit 0 as run
	echo $(( ($(date +%s%N) - start) / 1000000 ))
done >"$T/times"
ms=$(sort -n "$T/times" | sed -n 2p)
echo "one full replacement: ${ms} ms (of $(paste -sd' ' "$T/times"))"

check_whole() {
	for o in t p; do
		f=$T/o/$o.txt; [ $o = p ] && f=$T/o/p.cidr
		cmp -s "$f" "$T/$o.A" || cmp -s "$f" "$T/$o.B" || fail "$f is neither version after kill $i"
	done
}
# The delays, drawn beforehand so that no interpreter start-up sits
# between starting a run and killing it.
python3 -c "
import random
r = random.Random()
for i in range(25): print('%.3f' % r.uniform(0.02, $ms * 1.1 / 1000))" >"$T/delays"
killed=0
for i in $(seq 1 25); do
	delay=$(sed -n "${i}p" "$T/delays")
	[ $((i % 2)) = 0 ] && v=A || v=B
	cp "$T/$v.txt" "$T/list.txt"
	"$ALLOWSYNC" -c "$C" run >/dev/null 2>&1 &
	pid=$!
	# Somewhere between start and a little after the end of a run.
	sleep "$delay"
	kill -9 $pid 2>/dev/null && killed=$((killed + 1)) || true
	wait $pid 2>/dev/null || true
	check_whole
	# Converges: the next run finishes the job and leaves no temporary.
	if [ $((i % 5)) = 0 ]; then
		expect_exit 0 as run
		cmp -s "$T/o/t.txt" "$T/t.$v" && cmp -s "$T/o/p.cidr" "$T/p.$v" || fail "did not converge"
		[ -z "$(temps "$T/o")" ] || fail "temporary files left: $(temps "$T/o")"
	fi
done
echo "$killed of 25 runs killed mid-way"
[ "$killed" -gt 3 ] || fail "too few runs were killed to mean anything"
