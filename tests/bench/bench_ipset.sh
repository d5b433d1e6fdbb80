#!/bin/sh
# allowsync's ipset output against `ipset restore` of a flush + add file
# (what FireHOL's update-ipsets does), in a throwaway network namespace,
# 100k IPv4 networks (disjoint, non-adjacent /24s: one element each):
#  - full replacement (target: >= 1.5x faster than ipset restore);
#  - a 1% change (target: >= 20x faster than the full restore);
#  - an unchanged run (target: <= 20 ms for the ipset output itself, from
#    its -vv line; the whole run's wall time is shown too);
#  - peak RSS of both.
# Each allowsync figure is a whole `allowsync run` (source file, policy,
# merge, state).  Env: RUNS (default 3), QUICK_RUNS (default 11).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
# The script runs itself again inside the namespace (no `ip netns exec`
# in the figures; on a mail server both tools run in the host's).
if [ -z "${BENCH_IPSET_NS:-}" ]; then
	command -v ipset >/dev/null 2>&1 || { echo "bench_ipset: ipset not installed, skipped"; exit 0; }
	BT=$(mktemp -d)
	NS=allowsync-bench-ipset-$$
	cleanup() { ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del "$NS" 2>/dev/null || true; rm -rf "$BT"; }
	trap cleanup EXIT INT TERM
	ip netns add "$NS" 2>/dev/null || { echo "bench_ipset: cannot create a network namespace, skipped"; exit 0; }
	BENCH_IPSET_NS=$NS BT=$BT ip netns exec "$NS" sh "$0"
	exit
fi
: "${BT:?}"
RUNS=${RUNS:-3}
QUICK_RUNS=${QUICK_RUNS:-11}

# N /24s from 11.0.0.0, every other one (none adjacent); SEED 0 or 1
# picks the even or the odd ones, so two seeds share nothing.
gen() {
	python3 - "$1" "$2" <<'PY'
import sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    a = 0x0b000000 + (2 * i + seed) * 256
    print("%d.%d.%d.0/24" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255))
PY
}
restore_file() { { echo "flush bench4"; sed 's/^/add bench4 /' "$1"; } >"$2"; }
bench_rutime_build
bench_harness
# The ipset output's own share (view + plan + apply, from -vv), seconds.
outs() { sed -n 's/.*ipset: view \([0-9.]*\) ms.*plan \([0-9.]*\) ms, apply \([0-9.]*\) ms.*/\1 \2 \3/p' "$BT/err" |
	awk '{ printf "%.4f", ($1 + $2 + $3) / 1000 }'; }
# series N LABEL IN1 IN2 CMD...: N runs of CMD, each after `$PREP IN`
# (IN1, IN2, IN1...); sets MED, MED_OUT and PEAK (KiB).
series() {
	n=$1 label=$2 in1=$3 in2=$4
	shift 4
	w=""; o=""; PEAK=0
	for i in $(seq "$n"); do
		if [ $((i % 2)) = 1 ]; then "$PREP" "$in1"; else "$PREP" "$in2"; fi
		bench_one "$@"
		w="$w $WALL"; o="$o $(outs)"
		[ "$RSS" -gt "$PEAK" ] && PEAK=$RSS
	done
	MED=$(echo "$w" | median) MED_OUT=$(echo "$o" | median)
	printf '%-46s %8s %10s %8s\n' "$label" "$MED" "${MED_OUT:--}" "$(mib "$PEAK")"
}
use() { cp "$1" "$BT/list"; }
cur() { ln -sf "$1" "$BT/cur.restore"; }
asy() { "$ALLOWSYNC" -c "$BT/allowsync.conf" run 2>/dev/null; }

gen 100000 0 >"$BT/a"
gen 100000 1 >"$BT/b"
# 1%: every 100th network moves to 150.x (1000 deleted, 1000 added).
awk 'NR % 100 == 0 { sub(/^1[1-4]\./, "150.") } { print }' "$BT/a" >"$BT/a1"
restore_file "$BT/a" "$BT/a.restore"
restore_file "$BT/b" "$BT/b.restore"
ipset create bench4 hash:net maxelem 1000000
bench_conf ipset "set4 = bench4"

echo "100k IPv4 networks, median of $RUNS ($QUICK_RUNS for the unchanged and 1% runs);"
echo "wall seconds less the timing harness's own $HARNESS s; the ipset output's own share; peak RSS"
printf '%-46s %8s %10s %8s\n' case wall "output" "RSS MiB"
ipset restore -f "$BT/a.restore"
PREP=cur series "$RUNS" "ipset restore (flush + add: full)" "$BT/b.restore" "$BT/a.restore" \
	ipset restore -f "$BT/cur.restore"
rs_full=$MED rs_rss=$PEAK
PREP=use
ipset flush bench4; use "$BT/a"; asy
series "$RUNS" "allowsync run (full replacement: swap)" "$BT/b" "$BT/a" \
	"$ALLOWSYNC" -vv -c "$BT/allowsync.conf" run
asy_full=$MED asy_rss=$PEAK
use "$BT/a"; asy
series "$QUICK_RUNS" "allowsync run (unchanged)" "$BT/a" "$BT/a" \
	"$ALLOWSYNC" -vv -c "$BT/allowsync.conf" run
asy_same=$MED asy_same_out=$MED_OUT
series "$QUICK_RUNS" "allowsync run (1% changed: batch)" "$BT/a1" "$BT/a" \
	"$ALLOWSYNC" -vv -c "$BT/allowsync.conf" run
asy_delta=$MED asy_delta_out=$MED_OUT
[ "$PEAK" -gt "$asy_rss" ] && asy_rss=$PEAK
bench_conf ipset "set4 = bench4" "verify = 0"
series "$QUICK_RUNS" "allowsync run (unchanged, verify = 0: dump)" "$BT/a" "$BT/a" \
	"$ALLOWSYNC" -vv -c "$BT/allowsync.conf" run
asy_dump=$MED asy_dump_out=$MED_OUT
echo
awk -v r="$rs_full" -v a="$asy_full" 'BEGIN { printf "full replacement: ipset restore / allowsync = %.1fx (target >= 1.5x)\n", r / a }'
awk -v r="$rs_full" -v a="$asy_delta" -v o="$asy_delta_out" 'BEGIN {
	printf "1%% change: full ipset restore / allowsync batch = %.1fx (target >= 20x; the ipset output itself: %.0f ms, %.1fx)\n", r / a, o * 1000, r / o }'
awk -v a="$asy_same" -v o="$asy_same_out" 'BEGIN {
	printf "unchanged run: the ipset output itself %.1f ms (target <= 20 ms), the whole run %.0f ms\n", o * 1000, a * 1000 }'
awk -v a="$asy_dump" -v o="$asy_dump_out" 'BEGIN {
	printf "unchanged run that lists the set (verify = 0): the output %.1f ms, the whole run %.0f ms\n", o * 1000, a * 1000 }'
awk -v r="$rs_rss" -v a="$asy_rss" 'BEGIN { printf "peak RSS: allowsync %.1f MiB, ipset restore %.1f MiB\n", a / 1024, r / 1024 }'
echo "(load average during the run: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs)"
