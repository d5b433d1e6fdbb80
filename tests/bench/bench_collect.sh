#!/bin/sh
# Collecting every source at once: ten HTTPS publishers (each its own
# origin, a 200-prefix list) and five SPF trees (depth 2: three rounds
# of queries), every answer 300 ms late — an HTTP answer by the server,
# a DNS answer by a UDP relay in front of nsd — all on loopback.
#   - each source alone (a run with only it): the slowest, and the sum —
#     what a run that collects one source after another costs;
#   - a run of all fifteen: target <= the slowest source + 150 ms;
#   - the same run with a blackholed publisher (accepts, never answers;
#     timeout 3 s) listed first: the others' own collection times, from
#     -vv, must not grow (target: the slowest live source + 150 ms).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
command -v nsd >/dev/null || { echo "bench_collect: nsd not installed"; exit 0; }
command -v openssl >/dev/null || { echo "bench_collect: openssl not installed"; exit 0; }
BT=$(mktemp -d)
pids=""
cleanup() { set +e; for p in $pids; do kill "$p" 2>/dev/null; done
	if [ -f "$BT/nsd.pid" ]; then n=$(cat "$BT/nsd.pid"); kill "$n"
		while kill -0 "$n" 2>/dev/null; do sleep 0.05; done; fi
	wait 2>/dev/null; rm -rf "$BT"; }
trap cleanup EXIT INT TERM
DELAY_MS=300 N_URL=10 N_SPF=5 RUNS=${RUNS:-3}

# wait_file FILE: until the server has written it (it renames it whole).
wait_file() { i=0; until [ -s "$1" ]; do i=$((i + 1)); [ $i -gt 200 ] && { echo "bench_collect: $2 did not start"; exit 1; }; sleep 0.05; done; }
free_udp() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The publishers: a CA, one certificate for 127.0.0.1, ten lists.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench-ca \
	-keyout "$BT/ca.key" -out "$BT/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
	-keyout "$BT/srv.key" -out "$BT/srv.csr" 2>/dev/null
printf 'subjectAltName = IP:127.0.0.1\n' >"$BT/ext"
openssl x509 -req -in "$BT/srv.csr" -CA "$BT/ca.pem" -CAkey "$BT/ca.key" -CAcreateserial -days 2 \
	-extfile "$BT/ext" -out "$BT/srv.pem" 2>/dev/null
mkdir -p "$BT/www"
for i in $(seq "$N_URL"); do
	for k in $(seq 0 199); do echo "44.$i.$k.0/24"; done >"$BT/www/list$i.txt"
done
python3 "$here/slow_https.py" "$BT/srv.pem" "$BT/srv.key" "$BT/www" "$N_URL" "$DELAY_MS" "$BT/ports" &
pids="$pids $!"
wait_file "$BT/ports" "the HTTPS publishers"

# The SPF trees, served by nsd behind a relay that delays every answer.
python3 - "$N_SPF" >"$BT/root.zone" <<'PY'
import sys
print('$TTL 300')
print('. IN SOA ns.test. admin.test. 1 3600 600 86400 300')
print('. IN NS ns.test.')
for t in range(int(sys.argv[1])):
    top = ['v=spf1']
    for m in range(3):
        top.append('include:m%d.t%d.test' % (m, t))
        mid = ['v=spf1']
        for l in range(2):
            mid.append('include:l%d.m%d.t%d.test' % (l, m, t))
            print('l%d.m%d.t%d.test. IN TXT "v=spf1 ip4:45.%d.%d.0/24 -all"' % (l, m, t, 16 + t, m * 2 + l))
        print('m%d.t%d.test. IN TXT "%s -all"' % (m, t, ' '.join(mid)))
    print('t%d.test. IN TXT "%s -all"' % (t, ' '.join(top)))
PY
nsd_port=$(free_udp) relay_port=$(free_udp)
bench_nsd_conf "$BT" 127.0.0.1 "$nsd_port"
nsd -c "$BT/nsd.conf"
python3 "$here/delay_relay.py" 127.0.0.1 "$relay_port" 127.0.0.1 "$nsd_port" "$DELAY_MS" &
pids="$pids $!"
i=0
until dig +short +tries=1 +time=2 -p "$relay_port" @127.0.0.1 t0.test TXT 2>/dev/null | grep -q spf1; do
	i=$((i + 1)); [ $i -gt 50 ] && { echo "bench_collect: nsd did not start"; cat "$BT/nsd.log"; exit 1; }
done

# The blackholed publisher: accepts connections (the kernel's backlog),
# never answers.
python3 -c '
import os, signal, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1]); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
signal.pause()' "$BT/hole" &
pids="$pids $!"
wait_file "$BT/hole" "the blackholed publisher"

# conf FILE SOURCE...: a configuration with those sources (url1..10,
# spf1..5, dead) and one text output of them.
section() {
	case $1 in
	url*) printf '[source %s]\ntype = url\nurl = https://127.0.0.1:%s/list%s.txt\n\n' "$1" \
		"$(sed -n "${1#url}p" "$BT/ports")" "${1#url}" ;;
	spf*) printf '[source %s]\ntype = spf\ndomain = t%s.test\n\n' "$1" "$(( ${1#spf} - 1 ))" ;;
	dead) printf '[source dead]\ntype = url\nurl = https://127.0.0.1:%s/list.txt\ntimeout = 3\n\n' "$(cat "$BT/hole")" ;;
	esac
}
conf() {
	f=$1; shift
	{ printf '[global]\nstate_dir = %s/state-%s\nca_file = %s/ca.pem\ndns_server = 127.0.0.1:%s\ntimeout = 30\n\n' \
		"$BT" "$(basename "$f")" "$BT" "$relay_port"
	  for s in "$@"; do section "$s"; done
	  printf '[output all]\ntype = text\npath = %s/out-%s.txt\nsources = %s\n' "$BT" "$(basename "$f")" \
		"$(echo "$@" | sed 's/ *dead//')"
	  case " $* " in *" dead "*) printf '\n[output fromdead]\ntype = text\npath = %s/dead.txt\nsources = dead\n' "$BT" ;; esac
	} >"$f"
}
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }
all=""
for i in $(seq "$N_URL"); do all="$all url$i"; done
for i in $(seq "$N_SPF"); do all="$all spf$i"; done

# Each source alone.
sum=0 slowest=0 slowest_name=
for s in $all; do
	conf "$BT/$s.conf" "$s"
	measure "$BT/o" "$ALLOWSYNC" -c "$BT/$s.conf" run
	m=$(ms "$MED")
	sum=$((sum + m))
	[ "$m" -gt "$slowest" ] && { slowest=$m; slowest_name=$s; }
done
# shellcheck disable=SC2086 # $all is the list of sources
conf "$BT/all.conf" $all
measure "$BT/o" "$ALLOWSYNC" -c "$BT/all.conf" run
whole=$(ms "$MED")
# shellcheck disable=SC2086
conf "$BT/dead.conf" dead $all
"$ALLOWSYNC" -vv -c "$BT/dead.conf" run >/dev/null 2>"$BT/dead.err" || true
live_max=$(sed -n 's/.*source "\(url\|spf\)[0-9]*": collected in \([0-9]*\) ms/\2/p' "$BT/dead.err" | sort -n | tail -1)
dead_ms=$(sed -n 's/.*source "dead": collected in \([0-9]*\) ms/\1/p' "$BT/dead.err")

echo "$N_URL HTTPS publishers + $N_SPF SPF trees (3 query rounds each), every answer ${DELAY_MS} ms late, loopback; median of $RUNS runs"
printf '%-46s %6s ms  (%s)\n' "slowest source alone" "$slowest" "$slowest_name"
printf '%-46s %6s ms\n' "sum of the sources alone (one after another)" "$sum"
printf '%-46s %6s ms  (target <= slowest + 150 = %s ms: %s; %sx faster than the sum)\n' \
	"allowsync run, all 15 at once" "$whole" "$((slowest + 150))" \
	"$([ "$whole" -le $((slowest + 150)) ] && echo met || echo MISSED)" "$(ratio "$sum" "$whole")"
printf '%-46s %6s ms  (target <= %s ms: %s; the dead one: %s ms)\n' \
	"slowest live source, with a blackholed one" "$live_max" "$((slowest + 150))" \
	"$([ "$live_max" -le $((slowest + 150)) ] && echo met || echo MISSED)" "$dead_ms"
