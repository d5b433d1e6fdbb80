#!/bin/sh
# One run at a time: a second run while the first holds the lock exits 4
# at once and touches nothing.
. ../lib/pipe.sh
printf '8.8.8.8\n' >"$T/list.txt"
# The first run's hook says it started, then stays until the case lets
# it end: the lock is held for as long as the checks below take.
hold_script "$T/hook.sh" hook
conf <<EOF2
[source s]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/o/t.txt
on_change = $T/hook.sh
EOF2
# The first run sits in its hook, still holding the lock.
as run >"$T/first.out" 2>&1 &
first=$!
at_exit "gate_open hook; kill $first 2>/dev/null || true"
wait_file "$T/hook.started" "the first run to reach its hook"
before=$(sig "$T/o/t.txt")
printf '8.8.8.8\n9.9.9.9\n' >"$T/list.txt"
# A run that waited for the lock would wait until the gate opens (never,
# here): timeout ends it with 124.
start=$(date +%s)
expect_exit 4 timeout 20 "$ALLOWSYNC" -c "$C" run
[ $(( $(date +%s) - start )) -lt 15 ] || fail "the second run waited for the lock"
expect_grep "another allowsync run holds $T/state/lock: nothing done" "$T/err"
[ "$(sig "$T/o/t.txt")" = "$before" ] || fail "second run touched the output"
expect_exit 4 timeout 20 "$ALLOWSYNC" -c "$C" run --offline
expect_exit 4 timeout 20 "$ALLOWSYNC" -c "$C" diff
gate_open hook
wait $first || fail "first run failed: $(cat "$T/first.out")"
# Once it is done, the next run proceeds.
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
# The same with a lock held by another program (flock(1)), from the
# moment flock has it until the case lets it go.
if command -v flock >/dev/null; then
	hold_script "$T/holder.sh" flock
	flock "$T/state/lock" "$T/holder.sh" &
	holder=$!
	at_exit "gate_open flock; kill $holder 2>/dev/null || true"
	wait_file "$T/flock.started" "flock(1) to take $T/state/lock"
	expect_exit 4 timeout 20 "$ALLOWSYNC" -c "$C" run
	expect_grep "another allowsync run holds $T/state/lock: nothing done" "$T/err"
	gate_open flock
	wait $holder || fail "flock(1) failed"
	expect_exit 0 as run
fi
