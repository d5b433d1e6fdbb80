#!/bin/sh
# A failing source serves its last good copy (exit 3) while younger than
# max_stale, then fails its outputs (exit 1) and leaves them alone; other
# outputs proceed.  A failing hook is exit 1 and retried on the next run.
# run --offline re-applies the last good copies without collecting.
. ../lib/pipe.sh
printf '8.8.8.8\n' >"$T/a.txt"
printf '9.9.9.9\n' >"$T/b.txt"
# stale_conf MAX_STALE: source a may serve its last good copy that long.
# (Younger: an hour, however slow the runs; older: 1 s, and the case
# waits until the copy is older than that.)
stale_conf() {
conf <<EOF2
[source a]
type = file
path = $T/a.txt
max_stale = $1
[source b]
type = static
prefixes = 9.9.9.9
[output both]
type = text
path = $T/o/both.txt
[output bonly]
type = postfix
path = $T/o/b.cidr
sources = b
on_change = /bin/sh -c "echo ran >> $T/hook.log; exit \$(cat $T/hook.rc)"
EOF2
}
stale_conf 1h
echo 0 >"$T/hook.rc"
expect_exit 0 as run
good_at=$(date +%s)   # the last good copy is from this second or before
cp "$T/o/both.txt" "$T/both.good"

rm "$T/a.txt"
expect_exit 3 as run
expect_grep "source \"a\": $T/a.txt: .*: keeping last good (.* old, 1 entry)" "$T/err"
cmp -s "$T/o/both.txt" "$T/both.good" || fail "output changed while degraded"
as status >"$T/st"
expect_grep "source \"a\" (file): last success .* ago, last good copy .* ago, 1 entry from file $T/a.txt; last error" "$T/st"

# Offline: the last good copies, nothing collected, not degraded.
expect_exit 0 as run --offline
# Too old now: the output using it fails, the other proceeds.
stale_conf 1s
older() { [ "$(date +%s)" -gt $((good_at + 1)) ]; }
wait_for "the last good copy to be older than 1s" older
expect_exit 1 as run
expect_grep 'source "a": .*last good copy is .* old, older than max_stale 1s' "$T/err"
expect_grep 'output "both": sources: source "a" has no usable data: left unchanged' "$T/err"
cmp -s "$T/o/both.txt" "$T/both.good" || fail "failed output was touched"
! grep -q 'output "bonly"' "$T/err" || fail "the other output was affected"
expect_exit 1 as run --offline

# Hook failure: exit 1, named, retried on the next run even without change.
printf '8.8.8.8\n' >"$T/a.txt"
echo 3 >"$T/hook.rc"
conf <<EOF2
[source a]
type = file
path = $T/a.txt
[source b]
type = static
prefixes = 9.9.9.9 1.1.1.1
[output bonly]
type = postfix
path = $T/o/b.cidr
sources = b
on_change = /bin/sh -c "echo ran >> $T/hook.log; exit \$(cat $T/hook.rc)"
EOF2
n0=$(wc -l <"$T/hook.log")
expect_exit 1 as run
expect_grep 'output "bonly": on_change: /bin/sh exited with status 3 (retried on the next run)' "$T/err"
grep -q '1.1.1.1/32' "$T/o/b.cidr" || fail "output not committed before its hook"
expect_exit 1 as run
[ "$(wc -l <"$T/hook.log")" -eq $((n0 + 2)) ] || fail "hook not retried"
as status >"$T/st"
expect_grep 'output "bonly" (postfix): .*on_change pending' "$T/st"
echo 0 >"$T/hook.rc"
expect_exit 0 as run
expect_grep 'on_change succeeded on retry' "$T/err"
expect_exit 0 as run
[ "$(wc -l <"$T/hook.log")" -eq $((n0 + 3)) ] || fail "hook ran again after success"
# A hook that hangs is stopped at hook_timeout.
printf '8.8.8.8\n1.2.3.4\n' >"$T/a.txt"
conf <<EOF2
[source a]
type = file
path = $T/a.txt
[output t]
type = text
path = $T/o/t.txt
on_change = /bin/sleep 30
hook_timeout = 1
EOF2
start=$(date +%s)
expect_exit 1 as run
expect_grep 'output "t": on_change: /bin/sleep timed out after 1s' "$T/err"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "hook timeout not enforced"
