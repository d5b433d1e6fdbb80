#!/bin/sh
# make bench: every tests/bench/bench_*.sh in turn.  Figures, not
# pass/fail: benchmarks never gate the build.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${ALLOWSYNC:?}" "${FIXTURES:?}"
export ALLOWSYNC FIXTURES BUILD
for b in "$here"/bench_*.sh; do
	[ -n "${BENCH:-}" ] && case "$b" in *"$BENCH"*) ;; *) continue ;; esac
	echo "== $(basename "$b" .sh)"
	sh "$b" || echo "bench $(basename "$b"): failed (exit $?)"
	echo
done
