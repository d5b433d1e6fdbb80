#!/bin/sh
# Unit runner: each cmocka program given, one after the other, from the
# top of the repository (the fixtures' default path is relative to it).
# A program's output is kept in $BUILD/unit/<name>.log and shown when it
# fails; the names of the failed programs go to $BUILD/unit/failed, which
# make check's summary reads.
#
# Usage: run.sh PROGRAM...   (env: BUILD, FIXTURES)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${BUILD:=$here/../../build}"
: "${FIXTURES:=$here/../fixtures}"
export FIXTURES
logs=$BUILD/unit
mkdir -p "$logs"
: >"$logs/failed"

passed=0 failed=0
for t in "$@"; do
	name=$(basename "$t")
	"$t" >"$logs/$name.log" 2>&1
	rc=$?
	tests=$(sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p' "$logs/$name.log" | tail -1)
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1)); echo "ok    $name (${tests:-?} tests)"
	else
		failed=$((failed + 1)); echo "$name" >>"$logs/failed"
		echo "FAIL  $name (exit $rc)"; sed 's/^/    | /' "$logs/$name.log" | tail -40
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
