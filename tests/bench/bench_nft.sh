#!/bin/sh
# allowsync's nftables output against `nft -f` of the equivalent script
# (flush set + add element in one file: what banIP and most scripts do),
# in a throwaway network namespace:
#  - full replacement of a 100k-range IPv4 interval set (target: >= 1.5x
#    faster than nft -f), with user and system time (the kernel's share
#    is the floor for both);
#  - an unchanged run against 100k ranges (target: < 200 ms wall);
#  - a 1% change to 100k ranges (target: >= 20x faster than the full
#    nft -f reload);
#  - peak RSS at 1M ranges, next to nft's.
# Each allowsync figure is a whole `allowsync run` (reading the source
# file, policy, merge, state) — not just the netlink part.
# Env: RUNS (default 3), QUICK_RUNS (default 11, for the unchanged and
# 1% cases), BENCH_NFT_1M=0 skips the 1M case.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
# The script runs itself again inside the namespace, so that neither
# tool's figures include `ip netns exec` (~2 ms, a twentieth of a
# 1%-change run): on a mail server both run in the host's namespace.
if [ -z "${BENCH_NFT_NS:-}" ]; then
	command -v nft >/dev/null 2>&1 || { echo "bench_nft: nft not installed, skipped"; exit 0; }
	BT=$(mktemp -d)
	NS=allowsync-bench-$$
	cleanup() { ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del "$NS" 2>/dev/null || true; rm -rf "$BT"; }
	trap cleanup EXIT INT TERM
	ip netns add "$NS" 2>/dev/null || { echo "bench_nft: cannot create a network namespace, skipped"; exit 0; }
	# The kernel's test for nf_tables event listeners is host-wide: one
	# `nft monitor` anywhere makes every commit here build an event per
	# element (it tripled the kernel time of a 100k replacement).
	if pgrep -x nft >/dev/null 2>&1; then
		echo "bench_nft: warning: an nft process is running ($(pgrep -ax nft | head -1)): nf_tables commits are slower while it listens"
	fi
	BENCH_NFT_NS=$NS BT=$BT ip netns exec "$NS" sh "$0"
	exit
fi
NS=$BENCH_NFT_NS
X() { "$@"; }
RUNS=${RUNS:-3}
# The runs of tens of milliseconds are cheap to repeat, and a shared
# machine's hiccups weigh more on them: their median is of more runs.
QUICK_RUNS=${QUICK_RUNS:-11}

# N disjoint, non-adjacent IPv4 ranges from 11.0.0.0 (public space, so
# the policy lets them through).
gen() {
	python3 - "$1" "$2" <<'PY'
import random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(seed)
f = lambda a: "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)
out = []
for i in range(n):
    s = 0x0b000000 + i * 256 + r.randint(0, 50)
    e = s + r.randint(0, 99)
    out.append(f(s) if s == e else f(s) + "-" + f(e))
sys.stdout.write("\n".join(out) + "\n")
PY
}
# nft script: flush the set, add every range, one transaction.
script() {
	{ echo "flush set inet filter bench4"; echo "add element inet filter bench4 {"
	  sed 's/$/,/' "$1"; echo "}"; } >"$2"
}
conf() { bench_conf nftables "table = filter" "set4 = bench4"; }
declare_set() {
	X nft flush ruleset
	printf 'table inet filter {\n\tset bench4 { type ipv4_addr; flags interval; }\n}\n' | X nft -f -
}
# one CMD...: run once under rutime (lib.sh's bench_one: time(1)'s own
# 10 ms steps are a fifth of a 1%-change run).
one() { bench_one "$@"; }
bench_rutime_build
bench_harness
# The nftables output's own share of the last run (view + plan + apply,
# from its -vv debug line), in seconds.
outs() { sed -n 's/.*nftables: view \([0-9.]*\) ms.*plan \([0-9.]*\) ms, apply \([0-9.]*\) ms.*/\1 \2 \3/p' "$BT/err" |
	awk '{ printf "%.3f", ($1 + $2 + $3) / 1000 }'; }
cpu() { awk -v u="$USER" -v s="$SYS" 'BEGIN { printf "%.4f", u + s }'; }
asy() { X "$ALLOWSYNC" -c "$BT/allowsync.conf" run; }
use() { cp "$1" "$BT/list"; }

gen 100000 1 >"$BT/a"
gen 100000 2 >"$BT/b"
# 1%: every 100th range moves to 12.x (1000 removed, 1000 added).
awk 'NR % 100 == 0 { gsub(/^11\./, "12."); gsub(/-11\./, "-12."); } { print }' "$BT/a" >"$BT/a1"
script "$BT/a" "$BT/a.nft"
script "$BT/b" "$BT/b.nft"
conf
declare_set

echo "100k IPv4 ranges, median of $RUNS ($QUICK_RUNS for the unchanged and 1% runs), wall / user / sys seconds, peak RSS (wall less the timing harness's own $HARNESS s)"
printf '%-44s %8s %8s %8s %10s\n' case wall user sys "RSS MiB"

# series N LABEL PREP IN1 IN2 CMD...: N runs of CMD, each after `PREP IN`
# with IN alternating IN1, IN2, IN1...; prints the row of medians and sets
# MED (wall), MED_CPU and MED_OUT (the nftables output's own share, from
# -vv; empty for nft).
series() {
	n=$1 label=$2 prep=$3 in1=$4 in2=$5
	shift 5
	w=""; u=""; s=""; c=""; o=""
	for i in $(seq "$n"); do
		if [ $((i % 2)) = 1 ]; then "$prep" "$in1"; else "$prep" "$in2"; fi
		one "$@"
		w="$w $WALL"; u="$u $USER"; s="$s $SYS"; c="$c $(cpu)"; o="$o $(outs)"
	done
	MED=$(echo "$w" | median) MED_CPU=$(echo "$c" | median) MED_OUT=$(echo "$o" | median)
	printf '%-44s %8s %8s %8s %10s\n' "$label" "$MED" "$(echo "$u" | median)" \
		"$(echo "$s" | median)" "$(mib "$RSS")"
}
script_is() { ln -sf "$1" "$BT/cur.nft"; }

# Full replacement, nft -f: the set holds A, the script puts B (and back).
X nft -f "$BT/a.nft"
series "$RUNS" "nft -f flush + add (full replacement)" script_is "$BT/b.nft" "$BT/a.nft" \
	nft -f "$BT/cur.nft"
nft_full=$MED nft_full_cpu=$MED_CPU

# allowsync: the set holds A (applied by allowsync, so its state is
# current).  Full replacement: the run puts B, then A...; unchanged: A
# again; 1% change: A1, A, A1...
declare_set
use "$BT/a"; asy 2>/dev/null
series "$RUNS" "allowsync run (full replacement)" use "$BT/b" "$BT/a" \
	"$ALLOWSYNC" -vv -c "$BT/allowsync.conf" run
asy_full=$MED asy_full_cpu=$MED_CPU
use "$BT/a"; asy 2>/dev/null
series "$QUICK_RUNS" "allowsync run (unchanged)" use "$BT/a" "$BT/a" \
	"$ALLOWSYNC" -vv -c "$BT/allowsync.conf" run
asy_same=$MED asy_same_cpu=$MED_CPU asy_same_out=$MED_OUT
series "$QUICK_RUNS" "allowsync run (1% changed: delta)" use "$BT/a1" "$BT/a" \
	"$ALLOWSYNC" -vv -c "$BT/allowsync.conf" run
asy_delta=$MED asy_delta_cpu=$MED_CPU asy_delta_out=$MED_OUT

# state_bytes IN: the bytes one run (after `use IN`) writes into the
# state directory: the writes strace -y shows to files under it.
state_bytes() {
	use "$1"
	X strace -f -y -e trace=write,pwrite64,writev -o "$BT/strace" \
		"$ALLOWSYNC" -c "$BT/allowsync.conf" run 2>/dev/null
	awk -v d="<$BT/state/" 'index($0, d) { n += $NF } END { print n + 0 }' "$BT/strace"
}
if command -v strace >/dev/null; then
	use "$BT/a"; asy 2>/dev/null
	same_bytes=$(state_bytes "$BT/a") delta_bytes=$(state_bytes "$BT/a1")
	use "$BT/a"; asy 2>/dev/null
fi

# After nft flush ruleset + reload the generation moved: the run dumps.
X nft flush ruleset; declare_set; X nft -f "$BT/a.nft"
one "$ALLOWSYNC" -c "$BT/allowsync.conf" run
printf '%-44s %8s %8s %8s %10s\n' "allowsync run (generation moved: dump, 1%)" "$WALL" "$USER" "$SYS" "$(mib "$RSS")"

echo
echo "wall time; in brackets CPU time (user + sys), which a busy shared machine inflates less"
awk -v n="$nft_full" -v a="$asy_full" -v nc="$nft_full_cpu" -v ac="$asy_full_cpu" 'BEGIN {
	printf "full replacement: nft -f / allowsync = %.1fx [%.1fx] (target >= 1.5x)\n", n / a, nc / ac }'
awk -v a="$asy_same" -v ac="$asy_same_cpu" -v ao="$asy_same_out" 'BEGIN {
	printf "unchanged run: %.0f ms [%.0f ms CPU; the nftables output itself: %.0f ms] (target < 200 ms)\n", a * 1000, ac * 1000, ao * 1000 }'
awk -v n="$nft_full" -v a="$asy_delta" -v nc="$nft_full_cpu" -v ac="$asy_delta_cpu" -v ao="$asy_delta_out" 'BEGIN {
	printf "1%% change: full nft -f reload / allowsync delta = %.1fx [%.1fx CPU; %.1fx against the nftables output itself, %.0f ms] (target >= 20x)\n", n / a, nc / ac, n / ao, ao * 1000 }'
[ -n "${same_bytes:-}" ] && echo "state written per run: unchanged ${same_bytes} bytes (status records only), 1% change ${delta_bytes} bytes (the source's new last good list, the output's record)"
echo "(load average during the run: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs)"

if [ "${BENCH_NFT_1M:-1}" = 1 ]; then
	echo
	echo "1M IPv4 ranges, one run each (an empty declared set filled, then replaced)"
	gen 1000000 3 >"$BT/m"
	gen 1000000 4 >"$BT/m2"
	script "$BT/m" "$BT/m.nft"
	declare_set
	one nft -f "$BT/m.nft"
	printf '%-44s %8s %8s %8s %10s\n' "nft -f (fill 1M)" "$WALL" "$USER" "$SYS" "$(mib "$RSS")"
	nft_m=$WALL nft_m_rss=$RSS
	declare_set
	use "$BT/m"
	one "$ALLOWSYNC" -c "$BT/allowsync.conf" run
	printf '%-44s %8s %8s %8s %10s\n' "allowsync run (fill 1M)" "$WALL" "$USER" "$SYS" "$(mib "$RSS")"
	asy_m_rss=$RSS
	use "$BT/m2"
	one "$ALLOWSYNC" -c "$BT/allowsync.conf" run
	printf '%-44s %8s %8s %8s %10s\n' "allowsync run (replace 1M)" "$WALL" "$USER" "$SYS" "$(mib "$RSS")"
	[ "$RSS" -gt "$asy_m_rss" ] && asy_m_rss=$RSS
	awk -v n="$nft_m_rss" -v a="$asy_m_rss" -v nt="$nft_m" 'BEGIN {
		printf "peak RSS at 1M: allowsync %.0f MiB, nft %.0f MiB (nft / allowsync = %.1fx); nft -f took %s s\n",
			a / 1024, n / 1024, n / a, nt }'
fi
