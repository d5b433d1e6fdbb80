# Programs that read allowsync's files, started on loopback for the
# out_* cases: . ../lib/receivers.sh (after pipe.sh or common.sh; it
# brings https.sh's free_port along)
#
# on_free_port WHAT START: call START PORT (a function that writes its
#   server's configuration for PORT and starts it in the background,
#   failing when it cannot) with a free port; tried again with another
#   when the port was taken in between (START's stderr, in $T/start.err,
#   says "Address already in use"), at most 20 times.  Sets $port.
# http_code FROM URL: the HTTP status of a GET of URL from source address
#   FROM (curl --interface; 127.0.0.0/8 are all loopback), 000 when
#   refused.
# expect_http FROM URL CODE: fail unless http_code FROM URL is CODE
#   (showing the tail of $SERVER_LOG, when set, first).
# Every address of 127.0.0.0/8 is on lo: a test tells an allowed client
# from a refused one by its source address alone.
: "${LIB:=$(cd "$(dirname "$0")/../lib" && pwd)}"
. "$LIB/https.sh"
command -v curl >/dev/null || skip "curl not installed"

on_free_port() {
	_ofp_what=$1 _ofp_start=$2 _ofp_tries=0
	while :; do
		port=$(free_port)
		"$_ofp_start" "$port" 2>"$T/start.err" && return 0
		_ofp_tries=$((_ofp_tries + 1))
		if [ $_ofp_tries -lt 20 ] && grep -q 'Address already in use' "$T/start.err"; then
			continue
		fi
		fail "$_ofp_what did not start: $(cat "$T/start.err")"
	done
}

http_code() {
	curl -s -g -o /dev/null -w '%{http_code}' --max-time 10 --noproxy '*' \
		--interface "$1" "$2" || true
}

expect_http() {
	_eh_got=$(http_code "$1" "$2")
	[ "$_eh_got" = "$3" ] && return 0
	[ -z "${SERVER_LOG:-}" ] || tail -5 "$SERVER_LOG" >&2 || true
	fail "$2 from $1: $_eh_got, wanted $3"
}
