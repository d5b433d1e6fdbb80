#!/bin/sh
# Wanted == live: nothing is sent (nft monitor sees no event), the
# output counts as unchanged and its hook does not run.  A real change
# then shows up in the same monitor (the probe works).
. ../lib/common.sh
. ../lib/nft.sh
nft_conf "table = filter" "set4 = allowsync4" "set6 = allowsync6" "create = yes" \
	"on_change = /usr/bin/touch $T/hooked"
printf '192.0.2.0/24\n198.51.100.7\n2001:db8::/32\n' >"$T/list"
expect_exit 0 asy run
[ -e "$T/hooked" ] || fail "hook did not run on the first (changing) run"
rm -f "$T/hooked"

monitor_start "$T/monitor"
m0=$mark
expect_exit 0 asy -v run
expect_grep 'output "fw": unchanged' "$T/err"
monitor_mark "$T/monitor"
monitor_between "$T/monitor" "$m0" "$mark" >"$T/sent"
[ ! -s "$T/sent" ] || { cat "$T/sent" >&2; fail "an unchanged run sent something"; }
[ ! -e "$T/hooked" ] || fail "hook ran although nothing changed"

m1=$mark
printf '192.0.2.0/24\n198.51.100.8\n2001:db8::/32\n' >"$T/list"
expect_exit 0 asy run
monitor_mark "$T/monitor"
kill $mon 2>/dev/null || true
monitor_between "$T/monitor" "$m1" "$mark" >"$T/sent"
grep -q 'element inet filter allowsync4' "$T/sent" || { cat "$T/monitor" >&2; fail "the monitor saw no change (probe broken)"; }
grep -q 'delete element' "$T/sent" || fail "the change was not a delta"
[ -e "$T/hooked" ] || fail "hook did not run after a change"
echo ok
