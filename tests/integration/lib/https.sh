# HTTPS test servers for url_* cases: . ../lib/https.sh (after common.sh)
#
# https_certs DIR: a throwaway CA (DIR/ca.pem) and a server certificate
#   for localhost/127.0.0.1 (DIR/server.{pem,key}); a second one with the
#   wrong name (DIR/wrong.{pem,key}); one from a CA nobody trusts
#   (DIR/rogue.{pem,key}).
# free_port: a TCP port free on 127.0.0.1 right now.
# nginx_start ROOT PORT [CERT]: real nginx serving ROOT over HTTPS (ETag,
#   Last-Modified, If-None-Match/If-Modified-Since, gzip), its own prefix
#   in $T/nginx-PORT; stopped when the case ends.  Access log:
#   $T/nginx-PORT/access.log (method, URI, status, UA, If-None-Match).
# fault_start PORT [CERT]: lib/faultserver.py with scripted faults (see
#   there); requests logged to $T/fault-PORT.log.
# (LIB may be set by the caller, e.g. a benchmark outside tests/integration.)
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

wait_port() {
	i=0
	while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "server on port $1 did not start"
		sleep 0.05
	done
}

nginx_start() {
	root=$1 port=$2 cert=${3:-server}
	command -v nginx >/dev/null || skip "nginx not installed (Debian nginx-light)"
	p=$T/nginx-$port; mkdir -p "$p/logs" "$p/tmp"
	cat >"$p/nginx.conf" <<EOC
daemon on;
master_process off;
pid $p/nginx.pid;
error_log $p/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	log_format t '\$request_method \$uri \$status ua=[\$http_user_agent] inm=[\$http_if_none_match] ims=[\$http_if_modified_since]';
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
	}
}
EOC
	nginx -p "$p" -c "$p/nginx.conf" -e "$p/error.log" || fail "nginx did not start: $(cat "$p/error.log")"
	at_exit "kill \$(cat $p/nginx.pid) 2>/dev/null"
	wait_port "$port"
}

# fault_server: the test CA and a fault server on a free port, for the
# url_* cases; sets port and b (its base URL).
fault_server() {
	https_certs "$T/ca"
	port=$(free_port)
	fault_start "$port"
	b=https://localhost:$port
}

fault_start() {
	port=$1 cert=${2:-server}
	python3 "$LIB/faultserver.py" "$port" "$T/ca/$cert.pem" "$T/ca/$cert.key" \
		"$FIXTURES" "$T/fault-$port.log" 2>"$T/fault-$port.err" &
	pid=$!
	at_exit "kill $pid 2>/dev/null"
	wait_port "$port"
}

# url_conf URL [KEY=VALUE]...: $T/a.conf with one url source "feed" (text
# format unless a key says otherwise) and one text output $T/o/list.txt.
url_conf() {
	u=$1; shift
	mkdir -p "$T/o"
	{
		printf '[global]\nstate_dir = %s\nca_file = %s\ntimeout = %s\n\n' \
			"$T/state" "$T/ca/ca.pem" "${URL_TIMEOUT:-10}"
		printf '[source feed]\ntype = url\nurl = %s\n' "$u"
		for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
		printf '\n[output list]\ntype = text\npath = %s\n' "$T/o/list.txt"
	} >"$T/a.conf"
}

# fault_expect GOOD_URL FAULT_URL PATTERN [KEY=VALUE]...: a good run on
# GOOD_URL (exit 0), then a run on FAULT_URL must keep the last good
# output (exit 3, output byte-identical) and say PATTERN (grep -E) on
# stderr, naming the source and the URL.  Starts from an empty state.
fault_expect() {
	good=$1 bad=$2 pat=$3; shift 3
	rm -rf "$T/state" "$T/o"   # each pair on its own: no shrink guard between pairs
	url_conf "$good" "$@"
	expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
	[ -s "$T/o/list.txt" ] || fail "good run wrote nothing"
	sum=$(cksum <"$T/o/list.txt")
	url_conf "$bad" "$@"
	start=$(date +%s)
	expect_exit 3 "$ALLOWSYNC" -c "$T/a.conf" run
	took=$(( $(date +%s) - start ))
	grep -qE -- "$pat" "$T/err" || { cat "$T/err" >&2; fail "stderr lacks /$pat/"; }
	grep -qF "source \"feed\": $bad" "$T/err" || { cat "$T/err" >&2; fail "message does not name the source and $bad"; }
	grep -q "keeping last good" "$T/err" || { cat "$T/err" >&2; fail "no fallback to the last good copy"; }
	[ "$(cksum <"$T/o/list.txt")" = "$sum" ] || fail "output changed after a failed fetch"
	echo "ok: $bad -> $(head -c 300 "$T/err") (${took}s)"
}
