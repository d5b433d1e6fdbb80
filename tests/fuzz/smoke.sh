#!/bin/sh
# fuzz-smoke: each libFuzzer harness for FUZZ_SECONDS (default 5) s, JOBS at a time (the
# machine's cores), with its seed corpus and the JSON dictionary where
# they exist.  New inputs go to BUILD/corpus, never into the tree.  A
# harness that finds a crash, a leak or a sanitizer report fails the
# stage: its name goes to BUILD/failed, which make check's summary reads,
# and the tail of its log is shown.
#
# Usage: smoke.sh BUILD JOBS FUZZER...   (from the top of the repository)
set -u
build=$1 jobs=$2
# A smoke test, inside make check's ten minutes: longer runs with make fuzz
# and the harnesses themselves.
secs=${FUZZ_SECONDS:-5}
shift 2
: >"$build/failed"

one() {
	f=$1 seeds=
	if [ -d "tests/fuzz/corpus/$f" ]; then
		mkdir -p "$build/corpus/$f"
		seeds="$build/corpus/$f tests/fuzz/corpus/$f"
	fi
	case $f in fuzz_parse_json | fuzz_pubdoc) seeds="$seeds -dict=tests/fuzz/json.dict" ;; esac
	# shellcheck disable=SC2086 # $seeds is a list of arguments
	if "$build/fuzz/$f" -max_total_time="$secs" -max_len=512 $seeds -print_final_stats=0 \
		2>"$build/$f.log" >/dev/null; then
		echo "fuzz $f: $secs s, ok"
	else
		echo "$f" >>"$build/failed"
		echo "fuzz $f: FAILED"
		tail -40 "$build/$f.log"
	fi
}

n=0
for f in "$@"; do
	one "$f" &
	n=$((n + 1))
	[ $((n % jobs)) -ne 0 ] || wait
done
wait
[ ! -s "$build/failed" ]
