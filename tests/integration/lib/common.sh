# Shared helpers for integration cases: . ../lib/common.sh
# Each case gets a scratch directory $T, removed on exit.
set -eu
T=$(mktemp -d "${TMPDIR:-/tmp}/allowsync-it.XXXXXX")
cleanup_hooks=""
# (set +e: a hook that fails -- a process already gone -- must neither
# skip the others nor turn the case's exit status into 1.)
on_exit() { set +e; eval "$cleanup_hooks"; rm -rf "$T"; }
trap on_exit EXIT
# A signal ends the case (through the cleanup above, once).
trap 'exit 130' INT
trap 'exit 143' TERM
# at_exit CMD: run CMD (a string) when the case ends, last added first.
at_exit() { cleanup_hooks="$1; $cleanup_hooks"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skipped: $*"; exit 77; }
# expect_exit N CMD...: run CMD, fail unless it exits N; output in $T/out, $T/err
expect_exit() {
	want=$1; shift
	set +e; "$@" >"$T/out" 2>"$T/err"; got=$?; set -e
	[ "$got" -eq "$want" ] || { cat "$T/out" "$T/err" >&2; fail "exit $got, wanted $want: $*"; }
}
# expect_grep PATTERN FILE
expect_grep() { grep -q -- "$1" "$2" || { cat "$2" >&2; fail "no \"$1\" in $2"; }; }

# Waiting: on the event itself, never on a guessed time.  The limit only
# matters when something is really broken (a loaded machine, a sanitized
# binary, must never reach it).
: "${WAIT_LIMIT:=30}"
# wait_for [-v SHOW] WHAT CMD...: run CMD (a command or a function)
# until it succeeds, every 50 ms; fail saying WHAT did not happen when it
# has not within $WAIT_LIMIT seconds, after showing the output of SHOW
# (a command string, e.g. 'tail "$log"').  CMD may itself fail the case
# (a server that died: no use waiting on).
wait_for() {
	_wf_show=
	if [ "$1" = -v ]; then _wf_show=$2; shift 2; fi
	_wf_what=$1; shift
	_wf_end=$(($(date +%s) + WAIT_LIMIT))
	until "$@"; do
		if [ "$(date +%s)" -gt "$_wf_end" ]; then
			[ -z "$_wf_show" ] || eval "$_wf_show" >&2 || true
			fail "timed out after ${WAIT_LIMIT}s waiting for $_wf_what"
		fi
		sleep 0.05
	done
}
# wait_file FILE WHAT: wait_for WHAT until FILE exists (non-empty when
# WHAT is preceded by -s: wait_file -s FILE WHAT).
wait_file() {
	if [ "$1" = -s ]; then wait_for "$3" test -s "$2"; else wait_for "$2" test -e "$1"; fi
}

# A process held in place for exactly as long as the case needs it (a
# hook still running, a lock still held), instead of a sleep that hopes
# to be long enough:
# hold_script FILE NAME: FILE, an executable that creates $T/NAME.started
# and then waits until gate_open NAME (or until $T is gone, or at most
# 120 s, so that a failed case leaves nothing running).
# gate_open NAME: let it end.
hold_script() {
	cat >"$1" <<EOS
#!/bin/sh
: >"$T/$2.started"
i=0
while [ ! -e "$T/$2.open" ] && [ -d "$T" ] && [ \$i -lt 2400 ]; do sleep 0.05; i=\$((i + 1)); done
EOS
	chmod +x "$1"
}
gate_open() { : >"$T/$1.open"; }

# age FILE...: give FILE a modification time far in the past (the same
# for all), so that any later write shows in it however close in time
# it comes -- rather than sleeping for the clock to move on.
age() { touch -c -d @1000000000 "$@"; }
# backdate FILE KEY SECONDS: move the time that the state file FILE
# records as "KEY TIME" (a status file's degraded_since, success...)
# SECONDS into the past -- the state aged, rather than the clock waited on.
backdate() {
	_bd_t=$(sed -n "s/^$2 \(-\{0,1\}[0-9]*\)\$/\1/p" "$1")
	[ -n "$_bd_t" ] || fail "backdate: no \"$2 TIME\" line in $1"
	sed -i "s/^$2 $_bd_t\$/$2 $((_bd_t - $3))/" "$1"
}

# wait_ready FILE PID ERRFILE WHAT: wait until the server WHAT (process
# PID) has written FILE, its readiness notice (e.g. the port it listens
# on, written once it listens); fail at once, showing ERRFILE (its
# stderr), if it exits first.
wait_ready() { wait_for "$4 to be ready" _ready "$@"; }
_ready() {
	[ -s "$1" ] && return 0
	kill -0 "$2" 2>/dev/null || fail "$4 exited: $(cat "$3" 2>/dev/null)"
	return 1
}

# next_second [T0]: wait until the clock is past the second T0 (default:
# the current one) -- for the rare check that needs two runs in
# different seconds (allowsync stores whole seconds); at most a second.
next_second() {
	_ns_t0=${1:-$(date +%s)}
	wait_for "the clock to pass second $_ns_t0" _ns_past
}
_ns_past() { [ "$(date +%s)" -gt "$_ns_t0" ]; }

# conf_file FILE STATE_DIR [LINE...]: the configuration FILE (mode 600):
# [global] with state_dir = STATE_DIR and the LINEs given (e.g.
# "allow_special = yes"), then the sections on stdin as they are.
conf_file() (
	file=$1 state=$2; shift 2
	{ printf '[global]\nstate_dir = %s\n' "$state"; for l in "$@"; do printf '%s\n' "$l"; done; cat; } >"$file"
	chmod 600 "$file"
)
