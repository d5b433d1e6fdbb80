#!/bin/sh
# type = text read by real haproxy, as docs/receivers.md shows it:
# `acl relays src -f FILE` (the header's `#` lines are comments to it).
# haproxy -c accepts the configuration; haproxy on loopback lets an
# allowed address through (200) and refuses any other (403), in both
# families.  A list in style = range is refused by haproxy -c, which is
# why the guide says style = cidr (the default).
. ../lib/pipe.sh
. ../lib/receivers.sh
command -v haproxy >/dev/null || skip "haproxy not installed (make deps installs it)"

printf '127.0.0.2\n127.0.0.4-127.0.0.7\n::1\n' >"$T/list"
conf "allow_special = yes" <<CONF
[source list]
type = file
path = $T/list

[output relays]
type = text
path = $T/o/relays.txt

[output four]
type = text
path = $T/o/four.txt
exclude = ::/0

[output ranges]
type = text
path = $T/o/ranges.txt
style = range
CONF
expect_exit 0 as run
expect_grep '^127.0.0.4/30$' "$T/o/relays.txt"

# haproxy_conf FILE PORT ACLFILE: a frontend answering 200 to the
# addresses of ACLFILE (and on /four only to those of four.txt), 403 to
# the others.
haproxy_conf() {
	cat >"$1" <<EOC
global
	pidfile $T/haproxy.pid
defaults
	mode http
	timeout connect 5s
	timeout client 10s
	timeout server 10s
frontend relays
	bind 127.0.0.1:$2
	bind [::1]:$2
	acl relays src -f $3
	acl four src -f $T/o/four.txt
	http-request deny if { path_beg /four } !four
	http-request deny if !relays
	http-request return status 200 content-type text/plain string ok
EOC
}
haproxy_conf "$T/ranges.cfg" 1 "$T/o/ranges.txt"
! haproxy -c -f "$T/ranges.cfg" >"$T/c.out" 2>&1 || fail "haproxy -c took a-b ranges"
echo "style = range, as haproxy says: $(grep -m1 -i 'ranges.txt' "$T/c.out")"

start_haproxy() {
	haproxy_conf "$T/haproxy.cfg" "$1" "$T/o/relays.txt"
	haproxy -c -f "$T/haproxy.cfg" >"$T/c.out" 2>&1 || {
		echo "haproxy -c refused allowsync's text output:" >&2
		cat "$T/c.out" >&2
		return 1
	}
	# -D: binds, then goes to the background; exit 0 means it listens.
	haproxy -D -f "$T/haproxy.cfg"
}
on_free_port haproxy start_haproxy
at_exit "kill \$(cat $T/haproxy.pid 2>/dev/null) 2>/dev/null"
wait_file -s "$T/haproxy.pid" "haproxy's pid file"
echo "haproxy on port $port: $(cat "$T/c.out")"
v4=http://127.0.0.1:$port v6=http://[::1]:$port
expect_http 127.0.0.2 "$v4/" 200
expect_http 127.0.0.3 "$v4/" 403
expect_http 127.0.0.4 "$v4/" 200
expect_http 127.0.0.7 "$v4/" 200
expect_http 127.0.0.8 "$v4/" 403
expect_http ::1 "$v6/" 200
expect_http 127.0.0.2 "$v4/four" 200
expect_http ::1 "$v6/four" 403
echo ok
