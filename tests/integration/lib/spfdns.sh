# Helpers for the spf_* integration cases: a real authoritative server
# (nsd) on a loopback port serving one root zone, and optionally a proxy
# in front of it that never answers chosen names (a dead branch).
# Source after common.sh.  Needs: nsd, python3.
LIBDIR=$(cd "$(dirname "${0}")/../lib" && pwd)

command -v nsd >/dev/null 2>&1 || skip "nsd not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"

# dns_free_port: a UDP+TCP port free on 127.0.0.1 right now (perhaps not
# a moment later: nsd_start tries again with another if it is taken).
dns_free_port() {
	python3 - <<'PY'
import socket
while True:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(('127.0.0.1', p))
    except OSError:
        continue
    s.close(); t.close(); print(p); break
PY
}

# _dns_up PORT ADDR PID LOG WHAT: the server answers the root SOA, or
# fail when PID has exited.
_dns_up() {
	dig +tries=1 +time=1 -p "$1" @"$2" . SOA +short 2>/dev/null | grep -q ns.test && return 0
	kill -0 "$3" 2>/dev/null || { cat "$4" >&2; fail "$5 exited"; }
	return 1
}

# nsd_start DIR ZONEFILE [ADDR]: serve ZONEFILE as "." on ADDR (default
# 127.0.0.1) at a free port; sets NSD_PORT and NSD_PID.  $NSD_EXTRA is
# appended to nsd.conf (more zone: stanzas).
nsd_start() {
	_d=$1 _z=$2 _a=${3:-127.0.0.1}
	mkdir -p "$_d"
	_tries=0
	while :; do
		NSD_PORT=$(dns_free_port)
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
		: >"$_d/nsd.log"
		nsd -d -c "$_d/nsd.conf" >>"$_d/nsd.log" 2>&1 &
		NSD_PID=$!
		# The port taken in between: nsd says so and exits; another one.
		_i=0
		while kill -0 $NSD_PID 2>/dev/null && ! grep -q 'Address already in use' "$_d/nsd.log" &&
			! dig +tries=1 +time=1 -p "$NSD_PORT" @"$_a" . SOA +short 2>/dev/null | grep -q ns.test; do
			_i=$((_i + 1)); [ $_i -lt 600 ] || break
			sleep 0.05
		done
		if grep -q 'Address already in use' "$_d/nsd.log" && [ $_tries -lt 20 ]; then
			kill $NSD_PID 2>/dev/null || true; wait $NSD_PID 2>/dev/null || true
			_tries=$((_tries + 1))
			continue
		fi
		break
	done
	at_exit "kill $NSD_PID 2>/dev/null || true; wait $NSD_PID 2>/dev/null || true"
	wait_for "nsd to answer on $_a port $NSD_PORT" _dns_up "$NSD_PORT" "$_a" "$NSD_PID" "$_d/nsd.log" nsd
}

# nsd_stop: stop the last nsd started.
nsd_stop() {
	kill "$NSD_PID" 2>/dev/null || true
	wait "$NSD_PID" 2>/dev/null || true
}

# proxy_start RULES UPSTREAM_PORT: a UDP+TCP forwarder to 127.0.0.1 that
# drops queries per RULES (see dnsproxy.py), on a port of its choosing;
# sets PROXY_PORT, PROXY_PID.
proxy_n=0
proxy_start() {
	proxy_n=$((proxy_n + 1))
	_pf=$T/dnsproxy.$proxy_n
	python3 "$LIBDIR/dnsproxy.py" 127.0.0.1 0 "$2" "$1" "$_pf.port" 2>"$_pf.err" &
	PROXY_PID=$!
	at_exit "kill $PROXY_PID 2>/dev/null || true; wait $PROXY_PID 2>/dev/null || true"
	wait_ready "$_pf.port" "$PROXY_PID" "$_pf.err" "the dns proxy"
	PROXY_PORT=$(cat "$_pf.port")
	wait_for "the dns proxy to answer on port $PROXY_PORT" _dns_up "$PROXY_PORT" 127.0.0.1 \
		"$PROXY_PID" "$_pf.err" "the dns proxy"
}
