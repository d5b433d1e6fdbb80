# Helpers for the spf_* integration cases: a real authoritative server
# (nsd) on a loopback port serving one root zone, and optionally a proxy
# in front of it that never answers chosen names (a dead branch).
# Source after common.sh.  Needs: nsd, python3.
LIBDIR=$(cd "$(dirname "${0}")/../lib" && pwd)

command -v nsd >/dev/null 2>&1 || skip "nsd not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"

# free_port: an unused UDP+TCP port on 127.0.0.1
free_port() {
	python3 - <<'PY'
import socket, random
for _ in range(200):
    p = random.randint(20000, 60000)
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', p))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(('127.0.0.1', p))
        s.close(); t.close(); print(p); break
    except OSError:
        pass
PY
}

# nsd_start DIR ZONEFILE [ADDR]: serve ZONEFILE as "." on ADDR (default
# 127.0.0.1) at a free port; sets NSD_PORT and NSD_PID.  $NSD_EXTRA is
# appended to nsd.conf (more zone: stanzas).
nsd_start() {
	_d=$1 _z=$2 _a=${3:-127.0.0.1}
	mkdir -p "$_d"
	NSD_PORT=$(free_port)
	cat >"$_d/nsd.conf" <<CONF
server:
	ip-address: $_a@$NSD_PORT
	port: $NSD_PORT
	username: ""
	chroot: ""
	zonesdir: "$_d"
	pidfile: "$_d/nsd.pid"
	database: ""
	xfrdfile: "$_d/xfrd.state"
	zonelistfile: "$_d/zone.list"
	logfile: "$_d/nsd.log"
	server-count: 1
	verbosity: 1
	hide-version: yes
remote-control:
	control-enable: no
zone:
	name: "."
	zonefile: "$_z"
${NSD_EXTRA:-}
CONF
	nsd -d -c "$_d/nsd.conf" >>"$_d/nsd.log" 2>&1 &
	NSD_PID=$!
	at_exit "kill $NSD_PID 2>/dev/null || true; wait $NSD_PID 2>/dev/null || true"
	_i=0
	while ! dig +tries=1 +time=1 -p "$NSD_PORT" @"$_a" . SOA +short 2>/dev/null | grep -q ns.test; do
		_i=$((_i + 1))
		if [ $_i -gt 50 ] || ! kill -0 $NSD_PID 2>/dev/null; then
			cat "$_d/nsd.log" >&2
			fail "nsd did not start"
		fi
		sleep 0.1
	done
}

# nsd_stop: stop the last nsd started.
nsd_stop() {
	kill "$NSD_PID" 2>/dev/null || true
	wait "$NSD_PID" 2>/dev/null || true
}

# proxy_start RULES UPSTREAM_PORT: a UDP+TCP forwarder to 127.0.0.1 that
# drops queries per RULES (see dnsproxy.py); sets PROXY_PORT, PROXY_PID.
proxy_start() {
	PROXY_PORT=$(free_port)
	python3 "$LIBDIR/dnsproxy.py" 127.0.0.1 "$PROXY_PORT" "$2" "$1" &
	PROXY_PID=$!
	at_exit "kill $PROXY_PID 2>/dev/null || true; wait $PROXY_PID 2>/dev/null || true"
	_i=0
	while ! dig +tries=1 +time=1 -p "$PROXY_PORT" @127.0.0.1 . SOA +short 2>/dev/null | grep -q ns.test; do
		_i=$((_i + 1))
		[ $_i -gt 50 ] && fail "dns proxy did not start"
		sleep 0.1
	done
}
