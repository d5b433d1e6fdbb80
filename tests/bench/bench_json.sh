#!/bin/sh
# JSON range documents:
# 1. one tag of the Azure service tags (2.7 MB, 61k prefixes) with a
#    JSONPath filter — `allowsync show --fetch` of a file source against
#    Debian's jq doing the same extraction (target: >= 4x faster); the
#    outputs agree when jq's list is aggregated by allowsync.
# 2. a whole `allowsync run` with one url source answered 304 by real
#    nginx over HTTPS (AWS ip-ranges.json, two filters) and one text
#    output (target: < 20 ms wall).
# Wall times are medians of $RUNS (default 21) runs, timed in Python
# (perf_counter) because /usr/bin/time has 10 ms resolution.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
RUNS=${RUNS:-21}
LIB=$here/../integration/lib
. "$LIB/common.sh"
. "$LIB/https.sh"
BT=$T

# median_ms CMD...: median wall milliseconds of $RUNS runs (stdout dropped).
median_ms() {
	python3 - "$RUNS" "$@" <<'EOP'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
t = []
for _ in range(runs):
    s = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.append(time.perf_counter() - s)
    if r.returncode != 0:
        sys.exit("command failed (%d): %s" % (r.returncode, " ".join(cmd)))
print("%.1f" % (statistics.median(t) * 1000))
EOP
}

# versus "CMD A" "CMD B": A and B alternately, $RUNS times each, so both
# see the same machine load; prints "wallA cpuA wallB cpuB" (median ms,
# cpu = user + system of the child).
versus() {
	python3 - "$RUNS" "$1" "$2" <<'EOP'
import resource, shlex, statistics, subprocess, sys, time
runs, a, b = int(sys.argv[1]), shlex.split(sys.argv[2]), shlex.split(sys.argv[3])
res = {0: ([], []), 1: ([], [])}
for _ in range(runs):
    for k, cmd in ((0, a), (1, b)):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        s = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        w = time.perf_counter() - s
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.returncode != 0:
            sys.exit("command failed (%d): %s" % (r.returncode, " ".join(cmd)))
        res[k][0].append(w)
        res[k][1].append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
m = lambda v: "%.1f" % (statistics.median(v) * 1000)
print(m(res[0][0]), m(res[0][1]), m(res[1][0]), m(res[1][1]))
EOP
}

az=$FIXTURES/feeds/azure-service-tags.json
tag=AzureCloud
cat >"$BT/az.conf" <<EOC
[global]
state_dir = $BT/state-az

[source az]
type = file
path = $az
select = \$.values[?@.name=='$tag'].properties.addressPrefixes[*]

[output o]
type = text
path = $BT/az.txt
EOC
"$ALLOWSYNC" -c "$BT/az.conf" show --fetch o | grep -v '^#' >"$BT/ours"
jq -r ".values[]|select(.name==\"$tag\")|.properties.addressPrefixes[]" "$az" >"$BT/jq.raw"
"$ALLOWSYNC" aggregate "$BT/jq.raw" >"$BT/jq.agg"
same=no; cmp -s "$BT/ours" "$BT/jq.agg" && same=yes
set -- $(versus "$ALLOWSYNC -c $BT/az.conf show --fetch o" \
	"jq -r '.values[]|select(.name==\"$tag\")|.properties.addressPrefixes[]' $az")
ow=$1 oc=$2 jw=$3 jc=$4
n=$(wc -l <"$BT/jq.raw")
r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
printf '%-40s %9s %9s %8s %8s %9s\n' "" "wall ms" "cpu ms" entries "ratio" "same out"
printf '%-40s %9s %9s %8s\n' "azure tag $tag: allowsync show --fetch" "$ow" "$oc" "$n"
printf '%-40s %9s %9s %8s %8s %9s\n' "azure tag $tag: jq" "$jw" "$jc" "$n" \
	"$(r "$jw" "$ow")" "$same"
printf '%-40s %9s %9s %8s %8s\n' "" "" "" "" "cpu $(r "$jc" "$oc")"

# 2. A run whose only url source gets 304.
https_certs "$BT/ca"
mkdir -p "$BT/www" "$BT/o"
cp "$FIXTURES/feeds/aws-ip-ranges.json" "$BT/www/"
port=$(free_port)
nginx_start "$BT/www" "$port"
cat >"$BT/run.conf" <<EOC
[global]
state_dir = $BT/state-run
ca_file = $BT/ca/ca.pem
min_prefix4 = 8

[source aws]
type = url
url = https://localhost:$port/aws-ip-ranges.json
format = json
select = \$.prefixes[?@.service=='EC2' && @.region=='eu-west-1'].ip_prefix
select = \$.ipv6_prefixes[?@.service=='EC2' && @.region=='eu-west-1'].ipv6_prefix

[output list]
type = text
path = $BT/o/list.txt
EOC
"$ALLOWSYNC" -q -c "$BT/run.conf" run
before=$(stat -c %Y:%i "$BT/o/list.txt")
ms=$(median_ms "$ALLOWSYNC" -c "$BT/run.conf" run)
n304=$(grep -c ' 304 ' "$T/nginx-$port/access.log" || true)
untouched=no; [ "$(stat -c %Y:%i "$BT/o/list.txt")" = "$before" ] && untouched=yes
printf '%-40s %9s %9s %8s   (%s of %s requests got 304, output untouched: %s)\n' \
	"run: 1 url source (304), 1 text output" "$ms" "" "$(grep -vc '^#' "$BT/o/list.txt")" \
	"$n304" "$RUNS" "$untouched"
