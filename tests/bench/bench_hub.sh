#!/bin/sh
# One hub, many edges: one nginx (HTTPS, loopback) serves a signed
# 10k-prefix document made by `allowsync publish`; a fleet of $EDGES
# (default 200) edges, each with its own state directory, runs
# `allowsync run` against it, at most $CONC (20) at a time: once cold
# (empty state), then warm (nothing changed).  Figures per edge run:
# requests and bytes nginx sent (its access log), the hub's CPU (the
# nginx process's time on CPU, /proc/PID/schedstat, before and after a
# phase); the fleet's wall time.  Then one edge's warm run against an
# unchanged file source reading the same document (alternately, $RUNS
# times each, medians), and the same fleet fetching the plain text list
# with `curl --compressed --etag-save/--etag-compare`.  Last, the
# extrapolation to 10,000 edges polling hourly within a 15-minute window.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
RUNS=${RUNS:-21}
EDGES=${EDGES:-200}
CONC=${CONC:-20}
LIB=$here/../integration/lib
. "$LIB/common.sh"
. "$LIB/https.sh"
BT=$T
command -v nginx >/dev/null || { echo "bench_hub: nginx not installed (skipped)"; exit 0; }

https_certs "$BT/ca"
mkdir -p "$BT/www" "$BT/pub"
nginx_start "$BT/www"   # sets port
log=$BT/nginx-$port/access.log
npid=$(cat "$BT/nginx-$port/nginx.pid")   # master_process off: the worker itself

# The hub's publication: 10k IPv4 /24s, none adjacent (nothing merges).
python3 -c '
for i in range(10000):
    print("20.%d.%d.0/24" % (i // 128, (i % 128) * 2))' >"$BT/inventory.txt"
"$ALLOWSYNC" -q keygen -p "$BT/k.pub" -s "$BT/k.key"
cat >"$BT/hub.conf" <<EOC
[global]
state_dir = $BT/hubstate

[source inventory]
type = file
path = $BT/inventory.txt

[publish]
dir = $BT/pub
name = relay
sign_key = $BT/k.key
EOC
"$ALLOWSYNC" -q -c "$BT/hub.conf" publish
cp "$BT/pub/"* "$BT/www/"
doc_bytes=$(stat -c %s "$BT/www/relay.json")

# The fleet: one configuration and state directory per edge.
: >"$BT/edges.cmds"
i=0
while [ $i -lt "$EDGES" ]; do
	e=$BT/edge/$i; mkdir -p "$e"
	cat >"$e/a.conf" <<EOC
[global]
state_dir = $e/state
ca_file = $BT/ca/ca.pem

[source hub]
type = url
url = https://localhost:$port/relay.json
format = allowsync
pubkey = $BT/k.pub

[output list]
type = text
path = $e/list.txt
EOC
	echo "$ALLOWSYNC -q -c $e/a.conf run" >>"$BT/edges.cmds"
	echo "curl -sf --compressed --cacert $BT/ca/ca.pem --etag-save $e/etag --etag-compare $e/etag -o $e/v4.txt https://localhost:$port/relay-v4.txt" >>"$BT/curl.cmds"
	i=$((i + 1))
done

cpu_ns() { awk '{print $1}' "/proc/$npid/schedstat"; }
# phase NAME CMDFILE: run the fleet; print its figures per run.
phase() {
	n0=$(wc -l <"$log"); c0=$(cpu_ns)
	set -- "$1" $(python3 "$here/fleet.py" "$CONC" "$2")
	c1=$(cpu_ns)
	tail -n +$((n0 + 1)) "$log" >"$BT/phase.log"
	awk -v name="$1" -v total="$2" -v med="$3" -v bad="$5" -v runs="$EDGES" -v cpu=$((c1 - c0)) '
		{ n++; b = $0; sub(/.* bytes=/, "", b); sub(/ .*/, "", b); bytes += b
		  st[$3]++ }
		END {
			codes = ""; for (s in st) codes = codes st[s] "×" s " "
			printf "%-22s %6.2f req/run %9.0f B/run  hub CPU %6.3f ms/run  fleet %5.2f s (run median %5.1f ms)  %s failed=%d\n",
				name, n / runs, bytes / runs, cpu / 1e6 / runs, total, med, codes, bad
		}' "$BT/phase.log"
	# For the summary: requests, bytes and hub CPU (ms) per run.
	awk -v runs="$EDGES" -v cpu=$((c1 - c0)) '{ n++; b = $0; sub(/.* bytes=/, "", b); sub(/ .*/, "", b); bytes += b }
		END { printf "%.2f %.0f %.4f\n", n / runs, bytes / runs, cpu / 1e6 / runs }' "$BT/phase.log" >"$BT/last.fig"
}

echo "hub: nginx $(nginx -v 2>&1 | sed 's/.*\///'), document $doc_bytes bytes (10000 prefixes), $EDGES edges, $CONC at a time"
phase "allowsync cold" "$BT/edges.cmds"
phase "allowsync warm" "$BT/edges.cmds"
read -r warm_req warm_bytes warm_cpu <"$BT/last.fig"
phase "curl text list cold" "$BT/curl.cmds"
phase "curl text list warm" "$BT/curl.cmds"
read -r curl_req curl_bytes curl_cpu <"$BT/last.fig"

# One edge, warm, against an unchanged file source of the same document
# (which parses it every run), the edge's `run --offline` (everything but
# the fetch) and one curl of the text list.
cat >"$BT/file.conf" <<EOC
[global]
state_dir = $BT/filestate

[source hub]
type = file
path = $BT/www/relay.json
format = allowsync

[output list]
type = text
path = $BT/file-list.txt
EOC
"$ALLOWSYNC" -q -c "$BT/file.conf" run
set -- $(python3 - "$RUNS" "$ALLOWSYNC -q -c $BT/edge/0/a.conf run" \
	"$ALLOWSYNC -q -c $BT/file.conf run" "$ALLOWSYNC -q -c $BT/edge/0/a.conf run --offline" \
	"curl -sf --compressed --cacert $BT/ca/ca.pem --etag-save $BT/edge/0/etag --etag-compare $BT/edge/0/etag -o $BT/edge/0/v4.txt https://localhost:$port/relay-v4.txt" <<'EOP'
import shlex, statistics, subprocess, sys, time
runs, cmds = int(sys.argv[1]), [shlex.split(c) for c in sys.argv[2:]]
t = [[] for _ in cmds]
for _ in range(runs):
    for k, cmd in enumerate(cmds):
        s = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t[k].append(time.perf_counter() - s)
        if r.returncode != 0:
            sys.exit("command failed (%d): %s" % (r.returncode, " ".join(cmd)))
print(" ".join("%.1f" % (statistics.median(v) * 1000) for v in t))
EOP
)
echo "one edge, warm run: ${1} ms; unchanged file source run: ${2} ms (difference $(awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", a - b }') ms); the edge's run --offline (no fetch): ${3} ms; curl --etag-compare of the text list: ${4} ms (medians of $RUNS, alternately)"

# 10,000 edges polling hourly, spread over 15 minutes (the timer's
# RandomizedDelaySec, or --splay): requests/s, bandwidth, hub CPU share.
awk -v req="$warm_req" -v b="$warm_bytes" -v cpu="$warm_cpu" -v creq="$curl_req" -v cb="$curl_bytes" -v ccpu="$curl_cpu" 'BEGIN {
	runs = 10000 / 900
	printf "10,000 edges hourly in a 15-min window: %.1f runs/s -> allowsync %.1f req/s, %.1f kB/s, hub CPU %.2f%% of a core; curl text list %.1f req/s, %.1f kB/s, %.2f%% of a core\n",
		runs, runs * req, runs * b / 1000, runs * cpu / 10, runs * creq, runs * cb / 1000, runs * ccpu / 10
}'
