#!/bin/sh
# make check's driver: the stages one after the other, each timed.  A
# failed stage does not stop the next, so one run shows every failure;
# the run ends with how long each stage took and, for each failed unit
# program, integration case or fuzzer, its name and the last lines of its
# log — a red CI log explains itself at its bottom.
#
# Usage: check.sh   (env: MAKE, BUILD; make check passes both)
set -u
: "${MAKE:=make}" "${BUILD:=build}"
# Each stage is a make target: the sanitized unit tests, then the
# integration cases (the sanitized binary, the package cases built plain).
stages="unit asan-unit fuzz-smoke check-integration"

# stage_failures STAGE: "LOGDIR NAME" lines for what failed in STAGE.
stage_failures() {
	case $1 in
	unit) dirs="$BUILD/unit" ;;
	asan-unit) dirs="$BUILD-asan/unit" ;;
	fuzz-smoke) dirs="$BUILD-fuzz" ;;
	check-integration) dirs="$BUILD-asan/integration $BUILD/integration" ;;
	esac
	for d in $dirs; do
		[ -s "$d/failed" ] && sed "s|^|$d |" "$d/failed"
	done
	return 0
}

# Stale lists from an earlier run must not be reported for this one.
for s in $stages; do stage_failures "$s"; done | while read -r d n; do rm -f "$d/failed"; done

report="" status=0 all_start=$(date +%s)
for s in $stages; do
	echo "== make $s"
	start=$(date +%s)
	if $MAKE --no-print-directory "$s"; then result=ok; else result=FAILED; status=1; fi
	report="$report$(printf '%-18s %-7s %4ss' "$s" "$result" $(( $(date +%s) - start )))
"
done

echo
echo "== make check: $(( $(date +%s) - all_start ))s"
printf '%s' "$report"
if [ $status -ne 0 ]; then
	for s in $stages; do stage_failures "$s" | while read -r d n; do
		echo
		echo "-- $s failed: $n (last lines of $d/$n.log)"
		tail -25 "$d/$n.log" 2>/dev/null | sed 's/^/    | /'
	done; done
	echo
	echo "make check: FAILED"
fi
exit $status
