#!/bin/sh
# Publish -> serve over HTTPS (real nginx, throwaway CA) -> consume with
# pubkey: the consumer's set is the published inventory.  Then the
# refusals, each with its own message, each keeping the last good list
# (exit 3) and caching nothing unverified: a tampered body, a signature
# from another key, a missing signature, an older signed document
# replayed after a newer one, an expired one.  Both signature algorithms
# (ED from allowsync, Ed from `minisign -S -l`) are accepted; a signature
# naming another of the publisher's documents is refused.
. ../lib/common.sh
. ../lib/https.sh
command -v minisign >/dev/null || skip "minisign not installed"

https_certs "$T/ca"
mkdir -p "$T/www" "$T/o" "$T/pub"
nginx_start "$T/www"   # sets port

"$ALLOWSYNC" -q keygen -p "$T/k.pub" -s "$T/k.key" || fail "keygen"
"$ALLOWSYNC" -q keygen -p "$T/other.pub" -s "$T/other.key" || fail "keygen other"
pk=$(sed -n 2p "$T/k.pub")

# The publisher: two tagged static sources.
pubconf() { # $1: extra prefix for the inventory, $2: valid_for
	conf_file "$T/p.conf" "$T/pstate" "allow_special = yes" <<EOC
[source shared]
type = static
prefixes = 198.51.100.0/25 2001:db8:10::/48 $1
tags = shared

[source dedicated]
type = static
prefixes = 203.0.113.7 203.0.113.9
tags = dedicated

[publish]
dir = $T/pub
name = relay
sign_key = $T/k.key
valid_for = ${2:-7d}
EOC
}
publish() { expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish; }
# nginx's ETag is mtime and size: give every change a new mtime, or a
# same-sized swap within a second would be answered 304.
stamp=$(($(date +%s) - 1000))
restamp() { stamp=$((stamp + 1)); touch -c -d "@$stamp" "$T/www/relay.json" "$T/www/relay.json.minisig" 2>/dev/null || true; }
serve() { cp "$T/pub/relay.json" "$T/pub/relay.json.minisig" "$T/www/"; restamp; }

conf_file "$T/c.conf" "$T/cstate" "ca_file = $T/ca/ca.pem" "allow_special = yes" "timeout = 10" <<EOC
[source relay]
type = url
url = https://localhost:$port/relay.json
format = allowsync
pubkey = $pk

[source ded]
type = url
url = https://localhost:$port/relay.json
format = allowsync
tags = dedicated
pubkey = $T/k.pub

[output all]
type = text
path = $T/o/all.txt
sources = relay
header = no

[output ded]
type = text
path = $T/o/ded.txt
sources = ded
header = no
EOC
consume() { restamp; expect_exit "$1" "$ALLOWSYNC" -c "$T/c.conf" run; }
same_as_published() {
	cat "$T/pub/relay-v4.txt" "$T/pub/relay-v6.txt" | "$ALLOWSYNC" aggregate >"$T/want"
	"$ALLOWSYNC" aggregate "$T/o/all.txt" >"$T/got"
	cmp -s "$T/want" "$T/got" || { diff "$T/want" "$T/got" >&2; fail "consumed set differs from the published one"; }
}

# 1. Round trip.
pubconf ""
publish
serve
consume 0
same_as_published
printf '203.0.113.7/32\n203.0.113.9/32\n' >"$T/want.ded"
"$ALLOWSYNC" aggregate "$T/o/ded.txt" | cmp -s - "$T/want.ded" || fail "tags = dedicated did not select the dedicated entries"
[ -s "$T/cstate/sig/relay.serial" ] || fail "accepted serial not kept"
serial1=$(sed -n 2p "$T/cstate/sig/relay.serial")
cp "$T/pub/relay.json" "$T/old.json"; cp "$T/pub/relay.json.minisig" "$T/old.json.minisig"

# 2. A newer publication (one prefix more) is taken.  (Its serial is
# larger even within the same second: one more than the last.)
pubconf "192.0.2.0/24"
publish
serve
consume 0
same_as_published
grep -q '^192.0.2.0/24' "$T/o/all.txt" || fail "newer publication not applied"
serial2=$(sed -n 2p "$T/cstate/sig/relay.serial")
[ "$serial2" -gt "$serial1" ] || fail "serial did not grow: $serial1 -> $serial2"
cp "$T/o/all.txt" "$T/good.txt"
cp "$T/pub/relay.json" "$T/new.json"; cp "$T/pub/relay.json.minisig" "$T/new.json.minisig"

# cache_unchanged: the cached body must stay the verified newer one.
cache_is_new() {
	cmp -s "$T/cstate/cache/relay.body" "$T/new.json" || fail "$1: an unverified document was cached"
	cmp -s "$T/o/all.txt" "$T/good.txt" || fail "$1: the output changed"
}

# 3. Tampered body (one prefix added by hand).
sed 's#"ip_prefix": "203.0.113.9/32"#"ip_prefix": "203.0.113.0/24"#' "$T/new.json" >"$T/www/relay.json"
cp "$T/new.json.minisig" "$T/www/relay.json.minisig"
consume 3
expect_grep 'source "relay":.*bad signature: the document does not match' "$T/err"
expect_grep 'keeping last good' "$T/err"
cache_is_new tampered

# 4. Signed by another key.
cp "$T/new.json" "$T/www/relay.json"
minisign -S -s "$T/other.key" -m "$T/www/relay.json" -t "serial:9999999999 expires:9999999999" >/dev/null 2>&1 ||
	fail "minisign could not sign with an allowsync key"
consume 3
expect_grep 'source "relay":.*signature is from another key' "$T/err"
cache_is_new "other key"

# 4b. The right key, but a signature made for another document.
now=$(date +%s)
minisign -S -s "$T/k.key" -m "$T/www/relay.json" -t "file:relay-eu.json	serial:$((now + 50))	expires:$((now + 3600))" >/dev/null 2>&1 || fail "minisign sign"
consume 3
expect_grep 'source "relay":.*signature was made for another document.*"relay-eu.json"' "$T/err"
cache_is_new "other document"

# 5. Missing signature.
rm -f "$T/www/relay.json.minisig"
consume 3
expect_grep 'source "relay":.*missing signature' "$T/err"
cache_is_new missing

# 6. Malformed signature.
echo "not a signature" >"$T/www/relay.json.minisig"
consume 3
expect_grep 'source "relay":.*malformed signature' "$T/err"
cache_is_new malformed

# 7. The older signed document replayed after the newer one.
cp "$T/old.json" "$T/www/relay.json"; cp "$T/old.json.minisig" "$T/www/relay.json.minisig"
consume 3
expect_grep 'source "relay":.*rollback refused: signed serial '"$serial1"' is older than the last accepted '"$serial2" "$T/err"
cache_is_new rollback

# 8. Expired: a document signed (by the right key, newest serial) with
# an expiry in the past.
cp "$T/new.json" "$T/www/relay.json"
now=$(date +%s)
minisign -S -s "$T/k.key" -m "$T/www/relay.json" -t "timestamp:$now	serial:$((now + 100))	expires:$((now - 60))" >/dev/null 2>&1 || fail "minisign sign"
consume 3
expect_grep 'source "relay":.*expired document' "$T/err"
cache_is_new expired

# 9. A legacy (Ed, not prehashed) signature from minisign is accepted.
minisign -S -l -s "$T/k.key" -m "$T/www/relay.json" -t "serial:$((now + 200))	expires:$((now + 3600))" >/dev/null 2>&1 || fail "minisign -l"
sed -n 2p "$T/www/relay.json.minisig" | grep -q '^RW' || fail "minisign -l did not write an Ed signature"
consume 0
cmp -s "$T/o/all.txt" "$T/good.txt" || fail "Ed-signed document not applied"
[ "$(sed -n 2p "$T/cstate/sig/relay.serial")" -eq $((now + 200)) ] || fail "serial of the Ed document not kept"

# 10. Unchanged document again (304 from nginx): still verified, fine.
expect_exit 0 "$ALLOWSYNC" -c "$T/c.conf" run
grep -q 'GET /relay.json 304' "$T/nginx-$port/access.log" || fail "no conditional request"
# 11. refresh: within it the kept signature vouches for the cached copy;
# once that signature has expired the server is asked again (and its
# newer signature for the same document is taken), not failed.
# The kept signature expires 10 s from now: the two runs before must be
# done by then (checked, not hoped), the one after waits for it.
sed -e "s#$T/cstate#$T/cstate2#" -e 's/^pubkey = .*/&\nrefresh = 1h/' "$T/c.conf" >"$T/c2.conf"
now=$(date +%s)
exp=$((now + 10))
minisign -S -s "$T/k.key" -m "$T/www/relay.json" -t "serial:$((now + 300))	expires:$exp" >/dev/null 2>&1 || fail "minisign sign"
restamp
expect_exit 0 "$ALLOWSYNC" -c "$T/c2.conf" run
n1=$(grep -c 'GET /relay.json ' "$T/nginx-$port/access.log")
expect_exit 0 "$ALLOWSYNC" -c "$T/c2.conf" run
[ "$(date +%s)" -lt "$exp" ] || fail "refresh: the runs took more than 10 s: the kept signature expired before the check could be made"
[ "$(grep -c 'GET /relay.json ' "$T/nginx-$port/access.log")" -eq "$n1" ] || fail "refresh: asked the server within refresh"
minisign -S -s "$T/k.key" -m "$T/www/relay.json" -t "serial:$((now + 300))	expires:$((now + 3600))" >/dev/null 2>&1 || fail "minisign sign"
expired() { [ "$(date +%s)" -ge "$exp" ]; }
wait_for "the kept signature to expire" expired
expect_exit 0 "$ALLOWSYNC" -c "$T/c2.conf" run
[ "$(grep -c 'GET /relay.json ' "$T/nginx-$port/access.log")" -gt "$n1" ] || fail "refresh: expired kept signature did not make it ask"
echo "publish_https: round trip, 6 refusals, refresh ok"
