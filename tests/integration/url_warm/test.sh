#!/bin/sh
# A signed document (allowsync publish) served by real nginx over HTTPS
# to an edge: the cold run fetches document and signature over one
# connection; a warm run is one conditional request answered 304 (no
# signature request) and writes nothing in the state directory but the
# status records (cache, signature state, last good list, lock: same
# inodes and mtimes).  A new
# document with its new signature is fetched and verified, again over
# one connection; a new document with the old signature is refused in
# one line, the last good list kept.  The edge asks for gzip, and a
# gzip bomb is refused at max_body, however small it is on the wire.
. ../lib/common.sh
. ../lib/https.sh

https_certs "$T/ca"
mkdir -p "$T/www" "$T/pub" "$T/o"
# A document that decompresses to 16 MiB from some 16 KiB: nginx sends
# it as it is, labelled gzip.
head -c 16777216 /dev/zero | tr '\0' '\n' | gzip -9 >"$T/www/bomb.txt"
NGINX_SERVER_EXTRA='location = /bomb.txt { gzip off; add_header Content-Encoding gzip; }'
nginx_start "$T/www"   # sets port
log=$T/nginx-$port/access.log

"$ALLOWSYNC" -q keygen -p "$T/k.pub" -s "$T/k.key" || fail "keygen"
pubconf() { # $1: one more prefix
	conf_file "$T/p.conf" "$T/pstate" "allow_special = yes" <<EOC
[source inv]
type = static
prefixes = 198.51.100.0/25 2001:db8:10::/48 203.0.113.7 $1

[publish]
dir = $T/pub
name = relay
sign_key = $T/k.key
EOC
	expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
}
# nginx's ETag is the mtime and size: each publication gets its own.
stamp=$(($(date +%s) - 1000))
serve() { # FILE...: copied from the publication, with a new mtime
	stamp=$((stamp + 1))
	for f in "$@"; do cp "$T/pub/$f" "$T/www/$f"; touch -d "@$stamp" "$T/www/$f"; done
}

conf_file "$T/c.conf" "$T/state" "ca_file = $T/ca/ca.pem" "allow_special = yes" "timeout = 10" <<EOC
[source relay]
type = url
url = https://localhost:$port/relay.json
format = allowsync
pubkey = $T/k.pub

[output all]
type = text
path = $T/o/all.txt
header = no
EOC
lines() { wc -l <"$log"; }
# The state directory: every file, its inode and mtime to the ns; but
# the status records, which note each run (when it ran, when the list was
# last confirmed), whatever the sources.
snapshot() {
	( cd "$T/state" && find . -type f ! -name '*.status' -printf '%p %i %T@ %s\n' | sort )
}

# 1. Cold: document and signature, one connection, gzip asked for.
pubconf ""
serve relay.json relay.json.minisig
expect_exit 0 "$ALLOWSYNC" -c "$T/c.conf" run
expect_grep '^203.0.113.7/32$' "$T/o/all.txt"
[ "$(lines)" -eq 2 ] || { cat "$log"; fail "cold run: not 2 requests"; }
expect_grep 'GET /relay.json 200 .*ae=\[[^]]*gzip' "$log"
expect_grep 'GET /relay.json.minisig 200 ' "$log"
conns=$(sed 's/.* conn=\([0-9]*\) .*/\1/' "$log" | sort -u | wc -l)
[ "$conns" -eq 1 ] || { cat "$log"; fail "cold run: $conns connections for document and signature"; }
[ -s "$T/state/sig/relay.verified" ] || fail "no verification record kept"

# 2. Warm, twice: one request each, 304, nothing of the source written.
for i in 1 2; do
	before=$(snapshot)
	for f in cache/relay.body cache/relay.meta sig/relay.minisig sig/relay.verified sources/relay.list; do
		case $before in *"./$f "*) ;; *) fail "no $f in the state directory" ;; esac
	done
	n0=$(lines)
	expect_exit 0 "$ALLOWSYNC" -v -c "$T/c.conf" run
	[ "$(lines)" -eq $((n0 + 1)) ] || { cat "$log"; fail "warm run $i: not exactly one request"; }
	last=$(tail -1 "$log")
	case $last in "GET /relay.json 304 "*) ;; *) fail "warm run $i: $last" ;; esac
	bytes=${last##*bytes=}; bytes=${bytes%% *}
	[ "$bytes" -lt 400 ] || fail "warm run $i: $bytes bytes sent (want < 400)"
	[ "$(snapshot)" = "$before" ] || { echo "$before"; snapshot; fail "warm run $i rewrote the state directory"; } >&2
	expect_grep 'not modified' "$T/err"
done
echo "warm run: 1 request, $bytes bytes"

# 3. A new publication, document and signature: fetched (the signature
# conditionally, on the same connection), verified, applied.
pubconf "192.0.2.0/24"
serve relay.json relay.json.minisig
n0=$(lines)
expect_exit 0 "$ALLOWSYNC" -c "$T/c.conf" run
expect_grep '^192.0.2.0/24$' "$T/o/all.txt"
tail -n +$((n0 + 1)) "$log" >"$T/new.log"
[ "$(wc -l <"$T/new.log")" -eq 2 ] || { cat "$T/new.log"; fail "new publication: not 2 requests"; }
expect_grep 'GET /relay.json.minisig 200 .*inm=\[[^]-]' "$T/new.log"
[ "$(sed 's/.* conn=\([0-9]*\) .*/\1/' "$T/new.log" | sort -u | wc -l)" -eq 1 ] ||
	{ cat "$T/new.log"; fail "new publication: more than one connection"; }
cp "$T/o/all.txt" "$T/good.txt"
cp "$T/state/cache/relay.body" "$T/good.body"

# 4. A new document beside the old signature: refused in one line, the
# last good list kept, nothing unverified cached.
pubconf "192.0.2.0/24 233.252.0.0/24"
serve relay.json
expect_exit 3 "$ALLOWSYNC" -c "$T/c.conf" run
expect_grep '^allowsync: warning: source "relay": https://localhost:'"$port"'/relay.json.minisig: bad signature: the document does not match it.*keeping last good' "$T/err"
[ "$(grep -c . "$T/err")" -eq 1 ] || { cat "$T/err"; fail "refusal not one line"; }
cmp -s "$T/o/all.txt" "$T/good.txt" || fail "output changed after a refused document"
cmp -s "$T/state/cache/relay.body" "$T/good.body" || fail "an unverified document was cached"

# 5. A gzip bomb: 16 KiB on the wire, refused at max_body = 1M.
conf_file "$T/b.conf" "$T/bstate" "ca_file = $T/ca/ca.pem" "timeout = 10" <<EOC
[source bomb]
type = url
url = https://localhost:$port/bomb.txt
max_body = 1M

[output b]
type = text
path = $T/o/b.txt
EOC
expect_exit 1 "$ALLOWSYNC" -c "$T/b.conf" run
expect_grep '^allowsync: [a-z]*: source "bomb": https://localhost:'"$port"'/bomb.txt: body larger than max_body (1M)' "$T/err"
[ "$(grep -c 'max_body' "$T/err")" -eq 1 ] || { cat "$T/err"; fail "bomb: not one line"; }
[ ! -e "$T/bstate/cache/bomb.body" ] || fail "bomb: something was cached"
echo "url_warm: cold 2 requests on 1 connection, warm 1 request ($bytes bytes), refusals ok"
