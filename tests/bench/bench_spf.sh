#!/bin/sh
# SPF expansion speed: a 40-name SPF tree (top -> 6 includes -> 30
# includes, plus mx and a hosts: 3 dependent rounds of queries, tree
# depth 2) served by nsd in one network namespace, reached from another
# through a veth pair that delays every answer by 30 ms (tc netem).
# allowsync resolves breadth-first with every independent query in
# flight; the baseline walks the tree one dig at a time, as spf-tools'
# despf.sh and postwhite do.  Target: allowsync under (depth + 1) x RTT
# + 100 ms, and at least 5x faster than the one-at-a-time walk.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command -v nsd >/dev/null || { echo "bench_spf: nsd not installed"; exit 0; }
command -v dig >/dev/null || { echo "bench_spf: dig not installed"; exit 0; }
command -v tc >/dev/null || { echo "bench_spf: tc not installed"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "bench_spf: needs root (network namespaces)"; exit 0; }

BT=$(mktemp -d)
srv=asspf-srv-$$ cli=asspf-cli-$$
cleanup() {
	set +e
	[ -f "$BT/nsd.pid" ] && kill "$(cat "$BT/nsd.pid")" 2>/dev/null
	[ -f "$BT/relay.pid" ] && kill "$(cat "$BT/relay.pid")" 2>/dev/null
	ip netns del "$srv" 2>/dev/null
	ip netns del "$cli" 2>/dev/null
	rm -rf "$BT"
}
trap cleanup EXIT INT TERM
RTT_MS=30 DEPTH=2 RUNS=${RUNS:-5}
. "$here/lib.sh"

ip netns add "$srv"
ip netns add "$cli"
ip link add vs type veth peer name vc
ip link set vs netns "$srv"
ip link set vc netns "$cli"
ip -n "$srv" addr add 10.203.0.1/24 dev vs
ip -n "$cli" addr add 10.203.0.2/24 dev vc
ip -n "$srv" link set vs up
ip -n "$cli" link set vc up
ip -n "$srv" link set lo up
ip -n "$cli" link set lo up
# Every answer leaves the server 30 ms late: one query = one 30 ms RTT.
# Without sch_netem in the kernel, a relay in the server namespace
# delays each answer instead (nsd then listens behind it on port 5353).
if ip netns exec "$srv" tc qdisc add dev vs root netem delay ${RTT_MS}ms 2>/dev/null; then
	how="tc netem delay ${RTT_MS}ms on the server's veth"
	nsd_port=53
else
	how="a UDP relay delaying each answer ${RTT_MS} ms (this kernel has no sch_netem)"
	nsd_port=5353
fi

# The tree: 37 SPF records and 3 host names.
python3 - >"$BT/root.zone" <<'PY'
print('$TTL 300')
print('. IN SOA ns.test. admin.test. 1 3600 600 86400 300')
print('. IN NS ns.test.')
top = ['v=spf1', 'mx']
for m in range(6):
    top.append('include:m%d.bench.test' % m)
    mid = ['v=spf1', 'a:h%d.bench.test' % (m % 2)]
    for l in range(5):
        mid.append('include:l%d-%d.bench.test' % (m, l))
        print('l%d-%d.bench.test. IN TXT "v=spf1 ip4:10.%d.%d.0/24 ip6:2001:db8:%x:%x::/64 -all"'
              % (m, l, m, l, m, l))
    mid.append('-all')
    print('m%d.bench.test. IN TXT "%s"' % (m, ' '.join(mid)))
top.append('-all')
print('top.bench.test. IN TXT "%s"' % ' '.join(top))
print('top.bench.test. IN MX 10 mx.bench.test.')
print('mx.bench.test. IN A 10.100.0.25')
print('h0.bench.test. IN A 10.100.0.10')
print('h1.bench.test. IN A 10.100.0.11')
print('h1.bench.test. IN AAAA 2001:db8:100::11')
PY
bench_nsd_conf "$BT" 10.203.0.1 "$nsd_port"
ip netns exec "$srv" nsd -c "$BT/nsd.conf"
if [ "$nsd_port" != 53 ]; then
	ip netns exec "$srv" python3 "$here/delay_relay.py" 10.203.0.1 53 10.203.0.1 "$nsd_port" "$RTT_MS" &
	echo $! >"$BT/relay.pid"
fi
i=0
until ip netns exec "$cli" dig +short +tries=1 +time=1 @10.203.0.1 top.bench.test TXT | grep -q spf1; do
	i=$((i + 1)); [ $i -gt 50 ] && { echo "bench_spf: nsd did not start"; cat "$BT/nsd.log"; exit 1; }
	sleep 0.1
done
rtt=$(ip netns exec "$cli" dig +tries=1 @10.203.0.1 h0.bench.test A | sed -n 's/;; Query time: \([0-9]*\) msec/\1/p')

# ms_of CMD...: wall milliseconds of one run, inside the client namespace.
ms_of() {
	ip netns exec "$cli" sh -c 's=$(date +%s%N); "$@" >"$OUT" 2>/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))' \
		sh "$@"
}

export OUT="$BT/ours"
ours=""
for _ in $(seq "$RUNS"); do
	ours="$ours $(ms_of "$ALLOWSYNC" spf -s 10.203.0.1 --max-lookups 60 --stats top.bench.test)"
done
OURS=$(echo "$ours" | median)
ip netns exec "$cli" "$ALLOWSYNC" spf -s 10.203.0.1 --max-lookups 60 --stats top.bench.test 2>&1 >/dev/null |
	sed 's/^/  /'

export OUT="$BT/dig"
digs=""
for _ in $(seq 2); do
	digs="$digs $(ms_of sh "$here/despf_walk.sh" 10.203.0.1 top.bench.test)"
done
DIG=$(echo "$digs" | median)
nq=$(grep -c . "$BT/dig")

same=$(python3 - "$BT/ours" "$BT/dig" <<'PY'
import ipaddress, sys
def load(p):
    nets = [ipaddress.ip_network(l.strip(), strict=False) for l in open(p) if l.strip()]
    return sorted(map(str, list(ipaddress.collapse_addresses(n for n in nets if n.version == 4)) +
                      list(ipaddress.collapse_addresses(n for n in nets if n.version == 6))))
print('yes' if load(sys.argv[1]) == load(sys.argv[2]) else 'no')
PY
)
bound=$(( (DEPTH + 1) * RTT_MS + 100 ))
ratio=$(awk -v a="$DIG" -v b="$OURS" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }')
echo "tree: 40 names, depth $DEPTH (3 dependent query rounds); latency: $how; one dig: ${rtt} ms"
printf '%-34s %8s ms  (median of %d; target < (depth+1) x RTT + 100 = %d ms: %s)\n' \
	"allowsync spf (breadth-first)" "$OURS" "$RUNS" "$bound" \
	"$([ "$OURS" -lt "$bound" ] && echo met || echo MISSED)"
printf '%-34s %8s ms  (one dig at a time, like despf.sh)\n' "dig walk" "$DIG"
printf '%-34s %8sx (target >= 5x: %s); same addresses: %s\n' "speed-up" "$ratio" \
	"$(awk -v r="$ratio" 'BEGIN { print (r >= 5 ? "met" : "MISSED") }')" "$same"
