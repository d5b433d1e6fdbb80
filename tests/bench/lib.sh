# Shared helpers for benchmarks: . "$(dirname "$0")/lib.sh"
# measure OUTFILE CMD...: runs CMD $RUNS times (stdout to OUTFILE); sets
# MED (median wall seconds) and RSS (peak KiB of the last run).
RUNS=${RUNS:-3}
measure() {
	out=$1; shift
	times=""
	for _ in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M %U %S' -o "$BT/time" "$@" >"$out" 2>"$BT/stderr" || {
			echo "bench: command failed: $*" >&2; cat "$BT/stderr" >&2; return 1; }
		read -r wall RSS USER SYS <"$BT/time"
		times="$times $wall"
	done
	MED=$(echo "$times" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
