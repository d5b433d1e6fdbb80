# HTTPS test servers for url_* cases: . ../lib/https.sh (after common.sh)
#
# https_certs DIR: a throwaway CA (DIR/ca.pem) and a server certificate
#   for localhost/127.0.0.1 (DIR/server.{pem,key}); a second one with the
#   wrong name (DIR/wrong.{pem,key}); one from a CA nobody trusts
#   (DIR/rogue.{pem,key}).
# Servers choose their own port and say which (sets $port): a port
# picked beforehand could be taken by anything in between.
# nginx_start ROOT [PORT [CERT]]: real nginx serving ROOT over HTTPS (ETag,
#   Last-Modified, If-None-Match/If-Modified-Since, gzip), its own prefix
#   in $T/nginx-PORT; stopped when the case ends.  Access log:
#   $T/nginx-PORT/access.log (method, URI, status, UA, If-None-Match,
#   If-Modified-Since, connection serial, bytes sent, Accept-Encoding).
#   PORT 0 or none: a free one, tried again with another should it be
#   taken before nginx binds it.
#   $NGINX_SERVER_EXTRA, when set, is added to the server block as it is
#   (e.g. a location with auth_basic).
# fault_start [CERT]: lib/faultserver.py with scripted faults (see
#   there) on a port of its choosing; requests logged to
#   $T/fault-PORT.log.
# dead_port: sets $dead, a port on 127.0.0.1 that refuses connections for
#   as long as the case runs (held bound, never listening, by a process of
#   ours: nothing else can listen there).
# free_port: a TCP port free on 127.0.0.1 right now -- and perhaps not a
#   moment later: only for a server that retries (nginx_start) or outside
#   the cases (benchmarks).
# wait_port PORT: until something accepts connections on it.
: "${LIB:=$(cd "$(dirname "$0")/../lib" && pwd)}"

command -v openssl >/dev/null || skip "openssl not installed"
command -v python3 >/dev/null || skip "python3 not installed"

https_certs() {
	d=$1; mkdir -p "$d"
	(
	cd "$d"
	cat >ext.cnf <<EOC
[srv]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[wrong]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
EOC
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=allowsync test CA" -keyout ca.key -out ca.pem 2>/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=rogue CA" -keyout rogueca.key -out rogueca.pem 2>/dev/null
	for n in server wrong rogue; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/CN=$n" -keyout $n.key -out $n.csr 2>/dev/null
	done
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile ext.cnf -extensions srv -out server.pem 2>/dev/null
	openssl x509 -req -in wrong.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile ext.cnf -extensions wrong -out wrong.pem 2>/dev/null
	openssl x509 -req -in rogue.csr -CA rogueca.pem -CAkey rogueca.key -CAcreateserial \
		-days 2 -extfile ext.cnf -extensions srv -out rogue.pem 2>/dev/null
	)
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

_port_open() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.5)" 2>/dev/null; }
wait_port() { wait_for "a server on port $1" _port_open "$1"; }

nginx_start() {
	root=$1 want=${2:-0} cert=${3:-server}
	command -v nginx >/dev/null || skip "nginx not installed (Debian nginx-light)"
	_tries=0
	while :; do
		port=$want
		[ "$port" != 0 ] || port=$(free_port)
		p=$T/nginx-$port; mkdir -p "$p/logs" "$p/tmp"
		cat >"$p/nginx.conf" <<EOC
daemon on;
master_process off;
pid $p/nginx.pid;
error_log $p/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	log_format t '\$request_method \$uri \$status ua=[\$http_user_agent] inm=[\$http_if_none_match] ims=[\$http_if_modified_since] conn=\$connection bytes=\$bytes_sent ae=[\$http_accept_encoding]';
	client_body_temp_path $p/tmp/body; proxy_temp_path $p/tmp/proxy;
	fastcgi_temp_path $p/tmp/fcgi; uwsgi_temp_path $p/tmp/uwsgi; scgi_temp_path $p/tmp/scgi;
	types { application/json json; text/plain txt; text/html html; }
	gzip on; gzip_types application/json text/plain; gzip_min_length 100;
	server {
		listen 127.0.0.1:$port ssl;
		server_name localhost;
		ssl_certificate $T/ca/$cert.pem;
		ssl_certificate_key $T/ca/$cert.key;
		access_log $p/access.log t;
		root $root;
		etag on;
		${NGINX_SERVER_EXTRA:-}
	}
}
EOC
		# nginx binds before it goes to the background: exit 0 means
		# it listens (its pid file follows, from the daemon).
		nginx -p "$p" -c "$p/nginx.conf" -e "$p/error.log" 2>"$p/start.err" && break
		_tries=$((_tries + 1))
		if [ "$want" = 0 ] && [ $_tries -lt 20 ] &&
			grep -q 'Address already in use' "$p/error.log" "$p/start.err" 2>/dev/null; then
			continue
		fi
		fail "nginx did not start: $(cat "$p/start.err" "$p/error.log" 2>/dev/null)"
	done
	at_exit "kill \$(cat $p/nginx.pid 2>/dev/null) 2>/dev/null"
	wait_file -s "$p/nginx.pid" "nginx's pid file $p/nginx.pid"
	wait_port "$port"
}

# fault_server: the test CA and a fault server on a free port, for the
# url_* cases; sets port and b (its base URL).
fault_server() {
	https_certs "$T/ca"
	fault_start
	b=https://localhost:$port
}

fault_n=0
fault_start() {
	cert=${1:-server}
	fault_n=$((fault_n + 1))
	f=$T/fault.$fault_n
	python3 "$LIB/faultserver.py" 0 "$T/ca/$cert.pem" "$T/ca/$cert.key" \
		"$FIXTURES" "$T/fault-{port}.log" "$f.port" 2>"$f.err" &
	pid=$!
	at_exit "kill $pid 2>/dev/null"
	wait_ready "$f.port" "$pid" "$f.err" "the fault server ($cert)"
	port=$(cat "$f.port")
}

# dead_port [--blackhole]: a port of 127.0.0.1 that refuses connections
# (bound, not listening), or with --blackhole one that accepts them (the
# kernel's backlog) and never answers; sets dead.
dead_port() {
	python3 -c '
import os, signal, socket, sys
s = socket.socket()      # no SO_REUSEADDR: no one else can bind the port
s.bind(("127.0.0.1", 0))
if sys.argv[2] == "--blackhole":
    s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
signal.pause()' "$T/dead.port" "${1:-}" 2>"$T/dead.err" &
	_dpid=$!
	at_exit "kill $_dpid 2>/dev/null"
	wait_ready "$T/dead.port" "$_dpid" "$T/dead.err" "the dead port's holder"
	dead=$(cat "$T/dead.port")
}

# redacted URL: URL as allowsync shows it (url.h): every query value
# replaced by REDACTED (userinfo is refused, never shown).
redacted() {
	python3 -c '
import sys
u = sys.argv[1]
base, q, rest = u.partition("?")
if not q:
    print(u)
    sys.exit()
query, h, frag = rest.partition("#")
def one(p):
    if "=" not in p:
        return "REDACTED" if p else ""
    k, v = p.split("=", 1)
    return k + "=" + ("REDACTED" if v else "")
print(base + "?" + "&".join(one(p) for p in query.split("&")) + h + frag)' "$1"
}

# url_conf URL [KEY=VALUE]...: $T/a.conf with one url source "feed" (text
# format unless a key says otherwise) and one text output $T/o/list.txt.
url_conf() {
	u=$1; shift
	mkdir -p "$T/o"
	{
		printf '[source feed]\ntype = url\nurl = %s\n' "$u"
		for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
		printf '\n[output list]\ntype = text\npath = %s\n' "$T/o/list.txt"
	} | conf_file "$T/a.conf" "$T/state" "ca_file = $T/ca/ca.pem" "timeout = ${URL_TIMEOUT:-10}" ""
}

# fault_expect GOOD_URL FAULT_URL PATTERN [KEY=VALUE]...: a good run, then
# a failing one, of a source whose URL stays the same (a last good copy
# serves only the origin it came from): the source's URL is
# https://localhost:SWITCH/same ($same), relayed to GOOD_URL's server and
# path (lib/switch.py, /same of lib/faultserver.py), then to FAULT_URL's.
# The failing run must keep the last good output (exit 3, output
# byte-identical) and say PATTERN (grep -E) on stderr, naming the source
# and the URL.  Both URLs: fault servers of this case.  Starts from an
# empty state.
switch_port=
fault_switch() {
	if [ -z "$switch_port" ]; then
		python3 "$LIB/switch.py" "$T/switch.target" "$T/switch.port" 2>"$T/switch.err" &
		_swpid=$!
		at_exit "kill $_swpid 2>/dev/null"
		wait_ready "$T/switch.port" "$_swpid" "$T/switch.err" "the switch"
		switch_port=$(cat "$T/switch.port")
		same=https://localhost:$switch_port/same
	fi
	# https://localhost:PORT/PATH: PORT to the switch, PATH to /same.
	_rest=${1#https://localhost:}
	echo "${_rest%%/*}" >"$T/switch.target"
	echo "/${_rest#*/}" >"$T/fault-same"
}
fault_expect() {
	good=$1 bad=$2 pat=$3; shift 3
	rm -rf "$T/state" "$T/o"   # each pair on its own: no shrink guard between pairs
	fault_switch "$good"
	url_conf "$same" "$@"
	expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
	[ -s "$T/o/list.txt" ] || fail "good run wrote nothing"
	sum=$(cksum <"$T/o/list.txt")
	fault_switch "$bad"
	start=$(date +%s)
	expect_exit 3 "$ALLOWSYNC" -c "$T/a.conf" run
	took=$(( $(date +%s) - start ))
	grep -qE -- "$pat" "$T/err" || { cat "$T/err" >&2; fail "stderr lacks /$pat/"; }
	shown=$(redacted "$same")
	grep -qF "source \"feed\": $shown" "$T/err" || { cat "$T/err" >&2; fail "message does not name the source and $shown"; }
	grep -q "keeping last good" "$T/err" || { cat "$T/err" >&2; fail "no fallback to the last good copy"; }
	[ "$(cksum <"$T/o/list.txt")" = "$sum" ] || fail "output changed after a failed fetch"
	echo "ok: $bad -> $(head -c 300 "$T/err") (${took}s)"
}
