#!/bin/sh
# max_degraded: a source served from its last good copy for longer than
# this fails the run (exit 1 instead of 3) with one line naming the
# source, how long and the key, so that the unit fails and OnFailure=
# fires; the copy is applied all the same.  The state records since when
# (aged here with backdate, never waited for).  Then the shipped
# OnFailure= example: the failure unit and the drop-in verify.
. ../lib/pipe.sh
repo=$(cd ../../.. && pwd)
L=$T/list.txt
S=$T/state/sources/s.status
printf '8.8.8.0/24\n2001:4860::/32\n' >"$L"
setup() {
	conf "$@" <<EOF2
[source s]
type = file
path = $L
$SRC_EXTRA
[output t]
type = text
path = $T/o/t.txt
EOF2
}
SRC_EXTRA= setup "max_degraded = 1h"
expect_exit 0 as run
expect_grep '^degraded_since 0$' "$S"
cp "$T/o/t.txt" "$T/t.good"

# Degraded: the first run records since when, the next keeps it.
mv "$L" "$L.away"
t0=$(date +%s)
expect_exit 3 as run
expect_grep 'source "s": .*keeping last good' "$T/err"
since=$(sed -n 's/^degraded_since //p' "$S")
[ "$since" -ge "$t0" ] && [ "$since" -le "$(date +%s)" ] || fail "degraded_since $since, run at $t0"
expect_exit 3 as run
expect_grep "^degraded_since $since\$" "$S"

# Two hours of it, with max_degraded = 1h: exit 1, one line, and the
# last good copy still applied.
backdate "$S" degraded_since 7200
rm "$T/o/t.txt"
expect_exit 1 as run
expect_grep '^allowsync: error: source "s": served from its last good copy for 2h00m, longer than max_degraded 1h00m$' "$T/err"
[ "$(grep -c max_degraded "$T/err")" -eq 1 ] || { cat "$T/err"; fail "not one line"; }
cmp -s "$T/o/t.txt" "$T/t.good" || fail "the last good copy was not applied"
# diff says the same, and writes nothing.
before=$(sig "$S")
expect_exit 1 as diff
expect_grep 'source "s": served from its last good copy for 2h00m, longer than max_degraded' "$T/err"
[ "$(sig "$S")" = "$before" ] || fail "diff wrote the state"

# Per source: 0 is no limit; a longer limit than the time degraded holds.
SRC_EXTRA="max_degraded = 0" setup "max_degraded = 1h"
expect_exit 3 as run
SRC_EXTRA="max_degraded = 3h" setup "max_degraded = 0"
expect_exit 3 as run
grep -q max_degraded "$T/err" && fail "max_degraded fired within its limit"

# The default, 3d.
SRC_EXTRA= setup
backdate "$S" degraded_since $((3 * 86400))
expect_exit 1 as run
expect_grep 'source "s": served from its last good copy for 3d02h, longer than max_degraded 3d00h$' "$T/err"

# A collect that succeeds ends it.
mv "$L.away" "$L"
expect_exit 0 as run
expect_grep '^degraded_since 0$' "$S"

# A bad value is a configuration error.
SRC_EXTRA="max_degraded = 3y" setup
expect_exit 2 as check
expect_grep "^allowsync: error: $C:6: max_degraded = 3y: bad duration unit" "$T/err"

# The OnFailure= example: allowsync.service fails on exit 1 (3 is
# success), the drop-in names the shipped template, and both verify.
unit=$repo/systemd/allowsync.service
dropin=$repo/systemd/allowsync-onfailure.conf
failure=$repo/systemd/allowsync-failure@.service
grep -qx 'SuccessExitStatus=3' "$unit" || fail "allowsync.service: SuccessExitStatus=3"
grep -qx 'OnFailure=allowsync-failure@%n.service' "$dropin" || fail "the drop-in's OnFailure="
[ -f "$failure" ] || fail "no $failure"
if command -v systemd-analyze >/dev/null; then
	u=$T/units
	mkdir -p "$u/allowsync.service.d"
	# ExecStart must name a binary that is there.
	sed "s|^ExecStart=/usr/sbin/allowsync |ExecStart=$ALLOWSYNC |" "$unit" >"$u/allowsync.service"
	cp "$dropin" "$u/allowsync.service.d/onfailure.conf"
	cp "$failure" "$u/"
	systemd-analyze verify --man=no "$u/allowsync.service" \
		"$u/allowsync-failure@allowsync.service.service" >"$T/verify" 2>&1 ||
		{ cat "$T/verify"; fail "systemd-analyze verify"; }
	[ -s "$T/verify" ] && { cat "$T/verify"; fail "systemd-analyze verify warns"; }
	echo "OnFailure= example: verified"
else
	echo "systemd-analyze not installed: the units were not verified"
fi
