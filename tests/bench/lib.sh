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

# The runs of tens of milliseconds, timed by rutime.c (to the microsecond),
# in $BT: bench_rutime_build once, then bench_one CMD... sets WALL (less
# HARNESS, the median of timing `true`, which bench_harness measures),
# RSS (KiB), USER and SYS; CMD's output goes to $BT/out and $BT/err.
HARNESS=0
bench_rutime_build() { ${CC:-cc} -O2 -o "$BT/rutime" "$(dirname "$0")/rutime.c"; }
bench_one() {
	"$BT/rutime" "$BT/time" "$@" >"$BT/out" 2>"$BT/err" || {
		echo "bench: failed: $*" >&2; tail -5 "$BT/err" >&2; return 1; }
	read -r WALL RSS USER SYS <"$BT/time"
	WALL=$(awk -v w="$WALL" -v h="$HARNESS" 'BEGIN { printf "%.4f", w - h }')
	USER=$(awk -v x="$USER" 'BEGIN { printf "%.4f", x }')
	SYS=$(awk -v x="$SYS" 'BEGIN { printf "%.4f", x }')
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bench_harness() {
	h=""
	for _ in 1 2 3 4 5 6 7; do bench_one true; h="$h $WALL"; done
	HARNESS=$(echo "$h" | median)
}
# bench_conf TYPE [KEY = VALUE...]: $BT/allowsync.conf with the file
# source $BT/list and the output "fw" of TYPE with those keys.
bench_conf() {
	type=$1; shift
	{ printf '[global]\nstate_dir = %s/state\nmax_entries = 100000000\nmax_shrink = 100%%\n\n' "$BT"
	  printf '[source list]\ntype = file\npath = %s/list\n\n[output fw]\ntype = %s\n' "$BT" "$type"
	  for kv in "$@"; do printf '%s\n' "$kv"; done; } >"$BT/allowsync.conf"
}

# bench_nsd_conf DIR ADDR PORT: DIR/nsd.conf serving DIR/root.zone on
# ADDR@PORT, everything in DIR, no chroot, one server process.
bench_nsd_conf() {
	cat >"$1/nsd.conf" <<CONF
server:
	ip-address: $2@$3
	port: $3
	username: ""
	chroot: ""
	zonesdir: "$1"
	pidfile: "$1/nsd.pid"
	database: ""
	xfrdfile: "$1/xfrd.state"
	zonelistfile: "$1/zone.list"
	logfile: "$1/nsd.log"
	server-count: 1
remote-control:
	control-enable: no
zone:
	name: "."
	zonefile: "$1/root.zone"
CONF
}
