#!/bin/sh
# run --splay / [global] splay: a run that applies waits a random time
# in [0, DURATION] before collecting, says how long at -v, and holds no
# lock meanwhile (another run goes through); SIGTERM ends the wait at
# once.  --splay 0 switches the key off; diff, show and --offline never
# wait.  Nothing here depends on the delay drawn: it is read from the
# log, and only bounds are checked.
. ../lib/common.sh

mkdir -p "$T/o"
splayconf() { # $1: the [global] splay line
	conf_file "$T/a.conf" "$T/state" "allow_special = yes" "$1" <<EOC
[source s]
type = static
prefixes = 192.0.2.0/24

[output t]
type = text
path = $T/o/t.txt
EOC
}
# The delay a -v run chose and its window, from its log: "waiting 1s of
# up to 2s".
chosen() { sed -n 's/.*run: splay: waiting \([0-9]*\)s of up to \([0-9]*\)s before collecting$/\1 \2/p' "$1"; }
now() { python3 -c 'import time; print("%.3f" % time.monotonic())'; }

# 1. A day's splay in the key: diff, show and run --offline do not wait
# (timeout: a wait would show as exit 124, not as a hung case).
splayconf "splay = 1d"
expect_exit 0 timeout 20 "$ALLOWSYNC" -v -c "$T/a.conf" run --splay 0
grep -q splay "$T/err" && fail "--splay 0 still waited: $(cat "$T/err")"
[ -s "$T/o/t.txt" ] || fail "run --splay 0 wrote nothing"
for cmd in diff show "run --offline" "-n run"; do
	# shellcheck disable=SC2086
	set +e; timeout 20 "$ALLOWSYNC" -v -c "$T/a.conf" $cmd >"$T/out" 2>"$T/err"; rc=$?; set -e
	[ "$rc" -ne 124 ] || fail "$cmd waited"
	grep -q splay "$T/err" && fail "$cmd splayed: $(cat "$T/err")"
done
expect_exit 2 "$ALLOWSYNC" -c "$T/a.conf" diff --splay 5m

# 2. --splay 2s: waits the delay it says, within [0, 2s], then runs.
rm -f "$T/o/t.txt"
t0=$(now)
expect_exit 0 "$ALLOWSYNC" -v -c "$T/a.conf" run --splay 2s
t1=$(now)
set -- $(chosen "$T/err")
[ $# -eq 2 ] || { cat "$T/err" >&2; fail "no splay line at -v"; }
[ "$2" = 2 ] || fail "splay window $2 s, wanted 2"
[ "$1" -ge 0 ] && [ "$1" -le 2 ] || fail "chose $1 s, outside [0, 2]"
python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= $1 else 1)" || fail "said it waits $1 s, took $t1 - $t0"
[ -s "$T/o/t.txt" ] || fail "the splayed run wrote nothing"
# Not at the default level (a cron job's mail stays empty).
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run --splay 1s
[ -s "$T/err" ] && fail "a quiet splayed run said: $(cat "$T/err")"

# 3. The key's day: the run waits without the lock, and SIGTERM ends it.
"$ALLOWSYNC" -v -c "$T/a.conf" run >"$T/bg.out" 2>"$T/bg.err" &
pid=$!
at_exit "kill $pid 2>/dev/null"
waiting() { grep -q 'run: splay: waiting' "$T/bg.err"; }
wait_for -v 'cat "$T/bg.err"' "the run to start its wait" waiting
set -- $(chosen "$T/bg.err")
[ "$2" = 86400 ] || fail "splay window $2 s, wanted 86400 (the key)"
if [ "$1" -ge 30 ]; then
	# Meanwhile another run takes the lock and finishes.
	expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run --splay 0
	kill -TERM "$pid"
	set +e; wait "$pid"; rc=$?; set -e
	[ "$rc" -eq 143 ] || fail "the waiting run exited $rc after SIGTERM, wanted 143"
	[ -s "$T/bg.out" ] && fail "the killed run wrote: $(cat "$T/bg.out")"
else
	# 30 s or less drawn from a day (p < 4e-4): nothing to interrupt.
	echo "drew $1 s: not testing SIGTERM"
	set +e; wait "$pid"; set -e
fi

# 4. Refused values.
splayconf "splay = 2d"
expect_exit 2 "$ALLOWSYNC" -c "$T/a.conf" check
expect_grep 'a.conf:[0-9]*: splay = 2d: at most 1d' "$T/err"
splayconf "splay = soon"
expect_exit 2 "$ALLOWSYNC" -c "$T/a.conf" check
expect_grep 'a.conf:[0-9]*: splay = soon: ' "$T/err"
splayconf ""
expect_exit 2 "$ALLOWSYNC" -c "$T/a.conf" run --splay 25h
expect_grep '--splay 25h: at most 1d' "$T/err"
echo "run_splay: ok"
