# Shared helpers for integration cases: . ../lib/common.sh
# Each case gets a scratch directory $T, removed on exit.
set -eu
T=$(mktemp -d "${TMPDIR:-/tmp}/allowsync-it.XXXXXX")
cleanup_hooks=""
on_exit() { eval "$cleanup_hooks"; rm -rf "$T"; }
trap on_exit EXIT INT TERM
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
