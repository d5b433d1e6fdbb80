# Helpers for the spf_* integration cases: a real authoritative server
# (nsd) on a loopback port serving one root zone, and optionally a proxy
# in front of it that never answers chosen names (a dead branch).
# Source after common.sh.  Needs: nsd, python3.
LIBDIR=$(cd "$(dirname "${0}")/../lib" && pwd)

command -v nsd >/dev/null 2>&1 || skip "nsd not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"

# dns_free_port: a port to try, below the kernel's ephemeral range (so
# that no client socket holds it) and random, so that servers started
# at once rarely pick the same; one that is taken after all makes nsd
# exit saying so, and _nsd_ready starts it again at another.
dns_free_port() {
	echo $((10000 + $(od -An -N2 -tu2 /dev/urandom) % 22000))
}

# _dns_up PORT ADDR PID LOG WHAT: the server answers the root SOA, or
# fail when PID has exited.
_dns_up() {
	dig +tries=1 +time=1 -p "$1" @"$2" . SOA +short 2>/dev/null | grep -q ns.test && return 0
	kill -0 "$3" 2>/dev/null || { cat "$4" >&2; fail "$5 exited"; }
	return 1
}

# nsd_spawn DIR ZONEFILE [ADDR]: start nsd serving ZONEFILE as "." on
# ADDR (default 127.0.0.1) at a free port, without waiting for it: DIR
# keeps its port, pid and address; nsd_wait DIR then waits for it.
# Servers spawned one after the other start at the same time, which is
# what a case with many zones needs (nsd's start-up is most of its cost).
# $NSD_EXTRA is appended to nsd.conf (more zone: stanzas).
nsd_spawn() {
	_d=$1
	mkdir -p "$_d"
	echo "$2" >"$_d/zonefile"
	echo "${3:-127.0.0.1}" >"$_d/addr"
	echo 0 >"$_d/tries"
	_nsd_launch "$_d"
}

# _nsd_launch DIR: (re)start DIR's nsd at a port free right now.
_nsd_launch() {
	_d=$1 _a=$(cat "$1/addr") _p=$(dns_free_port)
	cat >"$_d/nsd.conf" <<CONF
server:
	ip-address: $_a@$_p
	port: $_p
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
	zonefile: "$(cat "$_d/zonefile")"
${NSD_EXTRA:-}
CONF
	: >"$_d/nsd.log"
	nsd -d -c "$_d/nsd.conf" >>"$_d/nsd.log" 2>&1 &
	echo $! >"$_d/pid"
	echo "$_p" >"$_d/port"
	at_exit "kill $! 2>/dev/null || true; wait $! 2>/dev/null || true"
}

# _nsd_ready DIR: DIR's nsd answers; when the port was taken in between
# (nsd says so and exits), start it again at another one.
_nsd_ready() {
	_p=$(cat "$1/port") _pid=$(cat "$1/pid")
	if grep -q 'Address already in use' "$1/nsd.log"; then
		_t=$(($(cat "$1/tries") + 1))
		[ $_t -le 20 ] || { cat "$1/nsd.log" >&2; fail "nsd found no free port in 20 tries"; }
		echo $_t >"$1/tries"
		kill "$_pid" 2>/dev/null || true; wait "$_pid" 2>/dev/null || true
		_nsd_launch "$1"
		return 1
	fi
	_dns_up "$_p" "$(cat "$1/addr")" "$_pid" "$1/nsd.log" nsd
}

# nsd_wait DIR: wait until DIR's nsd answers; sets NSD_PORT and NSD_PID.
nsd_wait() {
	wait_for "nsd to answer (zone $(cat "$1/zonefile"))" _nsd_ready "$1"
	NSD_PORT=$(cat "$1/port") NSD_PID=$(cat "$1/pid")
}

# nsd_start DIR ZONEFILE [ADDR]: nsd_spawn, then nsd_wait.
nsd_start() {
	nsd_spawn "$@"
	nsd_wait "$1"
}

# nsd_stop: stop the last nsd started.
nsd_stop() {
	kill "$NSD_PID" 2>/dev/null || true
	wait "$NSD_PID" 2>/dev/null || true
}

# proxy_spawn RULES UPSTREAM_PORT: a UDP+TCP forwarder to 127.0.0.1 that
# drops queries per RULES (see dnsproxy.py), on a port of its choosing,
# without waiting for it; prints the directory proxy_wait takes.
proxy_n=0
proxy_spawn() {
	proxy_n=$((proxy_n + 1))
	_pf=$T/dnsproxy.$proxy_n
	python3 "$LIBDIR/dnsproxy.py" 127.0.0.1 0 "$2" "$1" "$_pf.port" 2>"$_pf.err" &
	echo $! >"$_pf.pid"
	at_exit "kill $! 2>/dev/null || true; wait $! 2>/dev/null || true"
}

# proxy_wait N: wait until the Nth proxy spawned answers; sets PROXY_PORT
# and PROXY_PID.
proxy_wait() {
	_pf=$T/dnsproxy.$1
	PROXY_PID=$(cat "$_pf.pid")
	wait_ready "$_pf.port" "$PROXY_PID" "$_pf.err" "the dns proxy"
	PROXY_PORT=$(cat "$_pf.port")
	wait_for "the dns proxy to answer on port $PROXY_PORT" _dns_up "$PROXY_PORT" 127.0.0.1 \
		"$PROXY_PID" "$_pf.err" "the dns proxy"
}

# proxy_start RULES UPSTREAM_PORT: proxy_spawn, then proxy_wait.
proxy_start() {
	proxy_spawn "$@"
	proxy_wait $proxy_n
}
