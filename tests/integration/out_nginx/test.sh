#!/bin/sh
# type = nginx: the allow list included by real nginx (on loopback, a
# prefix of its own) in front of `deny all;`.  nginx -t accepts it; a
# client from an allowed address gets 200 and one from any other 403, in
# both families; an empty list is accepted too and refuses everyone; a
# changed list reaches nginx through on_change = nginx -s reload, which
# is what docs/receivers.md tells administrators to use.
. ../lib/pipe.sh
. ../lib/receivers.sh
command -v nginx >/dev/null || skip "nginx not installed (make deps installs nginx-light)"

p=$T/nginx
mkdir -p "$p/logs" "$p/tmp" "$T/www"
# The pages, served in the content phase, after the access phase that
# allow/deny are part of (`return 200` would answer before it).  The
# workers run as nobody: $T only lets them through.
for page in all four none; do echo ok >"$T/www/$page"; done
chmod 711 "$T"
chmod 755 "$T/www"
printf '127.0.0.2\n::1\n' >"$T/list"

# A location each: every family, IPv4 only, nothing.
start_nginx() {
	cat >"$p/nginx.conf" <<EOC
daemon on;
master_process on;
user nobody nogroup;
worker_processes 1;
pid $p/nginx.pid;
error_log $p/error.log warn;
events { worker_connections 64; }
http {
	access_log $p/access.log;
	client_body_temp_path $p/tmp/body; proxy_temp_path $p/tmp/proxy;
	fastcgi_temp_path $p/tmp/fcgi; uwsgi_temp_path $p/tmp/uwsgi; scgi_temp_path $p/tmp/scgi;
	server {
		listen 127.0.0.1:$1;
		listen [::1]:$1;
		root $T/www;
		default_type text/plain;
		location /all {
			include $T/o/all.conf;
			deny all;
		}
		location /four {
			include $T/o/four.conf;
			deny all;
		}
		location /none {
			include $T/o/none.conf;
			deny all;
		}
	}
}
EOC
	nginx -t -p "$p" -c "$p/nginx.conf" -e "$p/error.log" >"$T/nginx-t.out" 2>&1 || {
		echo "nginx -t refused the configuration with allowsync's files:" >&2
		cat "$T/nginx-t.out" >&2
		return 1
	}
	# nginx binds before it goes to the background: exit 0 means it listens.
	nginx -p "$p" -c "$p/nginx.conf" -e "$p/error.log"
}

conf "allow_special = yes" "max_shrink = 100%" <<CONF
[source list]
type = file
path = $T/list

[output all]
type = nginx
path = $T/o/all.conf
on_change = nginx -p $p -c $p/nginx.conf -e $p/error.log -s reload

[output four]
type = nginx
path = $T/o/four.conf
exclude = ::/0

[output none]
type = nginx
path = $T/o/none.conf
exclude = 0.0.0.0/0 ::/0
CONF
# nginx refuses to start on an include that is missing, so allowsync runs
# first (and the hook's reload fails, nginx not running yet: exit 1).
expect_exit 1 as run
expect_grep 'output "all".*on_change' "$T/err"
expect_grep '^allow 127.0.0.2/32;$' "$T/o/all.conf"
expect_grep '^allow ::1/128;$' "$T/o/all.conf"
! grep -q '::1' "$T/o/four.conf" || fail "exclude = ::/0 left IPv6 in four.conf"
! grep -qv '^#' "$T/o/none.conf" || fail "the empty list holds more than comments"
as show all >"$T/show"
cmp -s "$T/show" "$T/o/all.conf" || fail "show all differs from the file"

on_free_port nginx start_nginx
at_exit "kill \$(cat $p/nginx.pid 2>/dev/null) 2>/dev/null"
wait_file -s "$p/nginx.pid" "nginx's pid file"
echo "nginx on port $port"
expect_exit 0 as run # the hook is retried, now that nginx runs
v4=http://127.0.0.1:$port v6=http://[::1]:$port
SERVER_LOG=$p/error.log
expect_http 127.0.0.2 "$v4/all" 200
expect_http 127.0.0.3 "$v4/all" 403
expect_http 127.0.0.1 "$v4/all" 403
expect_http ::1 "$v6/all" 200
expect_http 127.0.0.2 "$v4/four" 200
expect_http ::1 "$v6/four" 403
expect_http 127.0.0.2 "$v4/none" 403
expect_http ::1 "$v6/none" 403
grep -q 'access forbidden by rule, client: 127.0.0.3' "$p/error.log" ||
	fail "nginx did not log the refusal of 127.0.0.3"

# The relay moves: the file changes, the hook reloads nginx, the new
# addresses are let in.  A reload is asynchronous: the old workers (with
# the old list) serve until they have gone.
printf '127.0.0.3\n127.0.0.4/31\n::1\n' >"$T/list"
old_workers=$(pgrep -P "$(cat "$p/nginx.pid")")
[ -n "$old_workers" ] || fail "no nginx workers found"
expect_exit 0 as run
expect_grep '^allow 127.0.0.4/31;$' "$T/o/all.conf"
reloaded() {
	for w in $old_workers; do kill -0 "$w" 2>/dev/null && return 1; done
	return 0
}
wait_for -v 'tail -5 "$p/error.log"' "nginx's old workers to go after the reload" reloaded
expect_http 127.0.0.3 "$v4/all" 200
expect_http 127.0.0.2 "$v4/all" 403
expect_http 127.0.0.5 "$v4/all" 200
expect_http 127.0.0.6 "$v4/all" 403
expect_http ::1 "$v6/all" 200
nginx -t -p "$p" -c "$p/nginx.conf" -e "$p/error.log" >"$T/nginx-t.out" 2>&1 ||
	{ cat "$T/nginx-t.out" >&2; fail "nginx -t refused the changed files"; }

# Unchanged: not rewritten, no reload.
age "$T/o/all.conf"
before=$(sig "$T/o/all.conf")
expect_exit 0 as run
[ "$(sig "$T/o/all.conf")" = "$before" ] || fail "unchanged list rewritten"
echo ok
