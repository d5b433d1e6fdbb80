#!/bin/sh
# One run at a time: a second run while the first holds the lock exits 4
# at once and touches nothing.
. ../lib/pipe.sh
printf '8.8.8.8\n' >"$T/list.txt"
conf <<EOF2
[source s]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/o/t.txt
on_change = /bin/sh -c "touch $T/hook-started; sleep 4"
EOF2
# The first run sits in its hook, still holding the lock.
as run >"$T/first.out" 2>&1 &
first=$!
at_exit "kill $first 2>/dev/null || true"
i=0
while [ ! -e "$T/hook-started" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "first run never reached its hook"
	sleep 0.1
done
before=$(sig "$T/o/t.txt")
printf '8.8.8.8\n9.9.9.9\n' >"$T/list.txt"
start=$(date +%s)
expect_exit 4 as run
[ $(( $(date +%s) - start )) -le 1 ] || fail "the second run waited for the lock"
expect_grep "another allowsync run holds $T/state/lock: nothing done" "$T/err"
[ "$(sig "$T/o/t.txt")" = "$before" ] || fail "second run touched the output"
expect_exit 4 as run --offline
expect_exit 4 as diff
wait $first || fail "first run failed: $(cat "$T/first.out")"
# Once it is done, the next run proceeds.
rm -f "$T/hook-started"
conf <<EOF2
[source s]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/o/t.txt
EOF2
expect_exit 0 as run
grep -qx '9.9.9.9/32' "$T/o/t.txt" || fail "the next run did not apply"
# The same with a lock held by another program (flock(1)).
if command -v flock >/dev/null; then
	flock "$T/state/lock" sleep 3 &
	holder=$!
	sleep 0.5
	expect_exit 4 as run
	wait $holder
fi
