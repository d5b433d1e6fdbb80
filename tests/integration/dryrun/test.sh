#!/bin/sh
# diff and run -n print what would change and change nothing: no output
# file, no state file (same inode and mtime), no hook.
. ../lib/pipe.sh
printf '8.8.8.0/24\n9.9.9.9\n' >"$T/list.txt"
conf <<EOF2
[source s]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/o/t.txt
on_change = /bin/sh -c "echo ran >> $T/hook.log"
[output p]
type = postfix
path = $T/o/p.cidr
on_change = /bin/sh -c "echo ran >> $T/hook.log"
EOF2
# Before any run: diff creates nothing, not even the state directory.
rmdir "$T/state"
expect_exit 0 as diff
expect_grep '^output "t": +2 -0 entries (0 now, 2 after)' "$T/out"
expect_grep '^+8.8.8.0/24' "$T/out"
[ ! -e "$T/state" ] && [ ! -e "$T/o/t.txt" ] && [ ! -e "$T/hook.log" ] || fail "diff wrote something"

expect_exit 0 as run
[ "$(wc -l <"$T/hook.log")" -eq 2 ] || fail "hooks did not run once per output"
snapshot() { for f in "$T"/o/* "$T"/state/*/*; do echo "$f $(sig "$f")"; done; }
snapshot >"$T/before"

printf '8.8.8.0/24\n1.1.1.1\n' >"$T/list.txt"
for cmd in diff "run -n" "-n run" "run --dry-run" "diff --offline"; do
	# shellcheck disable=SC2086
	expect_exit 0 as $cmd
	snapshot >"$T/after"
	cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" >&2; fail "$cmd changed a file"; }
	[ "$(wc -l <"$T/hook.log")" -eq 2 ] || fail "$cmd ran a hook"
done
as diff >"$T/d" 2>&1
expect_grep '^output "t": +1 -1 entries (2 now, 2 after)' "$T/d"
expect_grep '^-9.9.9.9/32' "$T/d"
expect_grep '^+1.1.1.1/32' "$T/d"
# The real run then applies exactly that.
expect_exit 0 as run
grep -qx '1.1.1.1/32' "$T/o/t.txt" || fail "run did not apply"
[ "$(wc -l <"$T/hook.log")" -eq 4 ] || fail "hooks did not run after the change"
# Unchanged: no rewrite, no hook.
snapshot | grep '/o/' >"$T/before"
expect_exit 0 as run
snapshot | grep '/o/' >"$T/after"
cmp -s "$T/before" "$T/after" || fail "an unchanged run rewrote an output"
[ "$(wc -l <"$T/hook.log")" -eq 4 ] || fail "a hook ran without a change"
