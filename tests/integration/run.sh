#!/bin/sh
# Integration runner: every tests/integration/<case>/test.sh, one after
# the other, against the real components (nft in a network namespace,
# postmap, HTTPS and DNS servers on loopback).  A case passes with exit 0,
# is skipped with exit 77, fails otherwise; its output is kept in
# $BUILD/integration/<case>.log and shown when it fails; the names of the
# failed cases go to $BUILD/integration/failed, which make check's summary
# reads.
#
# Usage: run.sh [CASE...]   (env: ALLOWSYNC, FIXTURES, BUILD,
#                            INTEGRATION_SKIP, INTEGRATION_ONLY)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${BUILD:=$here/../../build}"
: "${ALLOWSYNC:=$BUILD/allowsync}"
: "${FIXTURES:=$here/../fixtures}"
export ALLOWSYNC FIXTURES BUILD
logs=$BUILD/integration
mkdir -p "$logs"
: >"$logs/failed"

if [ $# -gt 0 ]; then cases=$*; else
	# INTEGRATION_SKIP=PREFIX leaves out the cases whose name starts so;
	# INTEGRATION_ONLY=PREFIX keeps only those.
	cases=$(cd "$here" && for d in */; do
		[ -x "$d/test.sh" ] || continue
		[ -n "${INTEGRATION_SKIP:-}" ] && case "$d" in "$INTEGRATION_SKIP"*) continue ;; esac
		[ -n "${INTEGRATION_ONLY:-}" ] && case "$d" in "$INTEGRATION_ONLY"*) ;; *) continue ;; esac
		echo "${d%/}"
	done)
fi

passed=0 failed=0 skipped=0 failures=""
for c in $cases; do
	start=$(date +%s)
	( cd "$here/$c" && exec timeout 600 ./test.sh ) >"$logs/$c.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) passed=$((passed + 1)); echo "ok    $c (${secs}s)" ;;
	77) skipped=$((skipped + 1)); echo "skip  $c: $(tail -1 "$logs/$c.log")" ;;
	*) failed=$((failed + 1)); failures="$failures $c"; echo "$c" >>"$logs/failed"
	   echo "FAIL  $c (exit $rc, ${secs}s)"; sed 's/^/    | /' "$logs/$c.log" | tail -40 ;;
	esac
done
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
