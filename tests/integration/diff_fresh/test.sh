#!/bin/sh
# diff writes nothing at all, as the README promises: on a state
# directory that does not exist, and on one that exists but is empty, it
# leaves the tree byte for byte as it was -- no lock file, no document
# cache, no signature state -- with url sources (one signed) over HTTPS
# and an spf source against a real nsd.  show --fetch and why --fetch
# neither.  A run afterwards creates the state as usual, and diff on that
# takes a shared lock, so two diffs do not block each other.
. ../lib/common.sh
. ../lib/https.sh
. ../lib/spfdns.sh
command -v minisign >/dev/null || skip "minisign not installed"

https_certs "$T/ca"
mkdir -p "$T/www" "$T/o" "$T/pub"
printf '5.9.0.0/16\n' >"$T/www/list.txt"
nginx_start "$T/www"   # sets port

# A signed document, published by allowsync itself (its own state dir).
"$ALLOWSYNC" -q keygen -p "$T/k.pub" -s "$T/k.key" || fail "keygen"
conf_file "$T/p.conf" "$T/pstate" <<EOC
[source mine]
type = static
prefixes = 8.8.8.0/24

[publish]
dir = $T/pub
name = relay
sign_key = $T/k.key
EOC
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
cp "$T/pub/relay.json" "$T/pub/relay.json.minisig" "$T/www/"

printf '$TTL 300\n. IN SOA ns.test. a.test. 1 2 3 4 5\n. IN NS ns.test.\nns.test. IN A 127.0.0.1\nrelay.test. IN TXT "v=spf1 ip4:9.9.9.0/24 -all"\n' >"$T/root.zone"
nsd_start "$T/nsd" "$T/root.zone"

S=$T/fresh/state
conf_file "$T/a.conf" "$S" "ca_file = $T/ca/ca.pem" "timeout = 10" \
	"dns_server = 127.0.0.1:$NSD_PORT" <<EOC
[source list]
type = url
url = https://localhost:$port/list.txt
refresh = 1h

[source signed]
type = url
url = https://localhost:$port/relay.json
format = allowsync
pubkey = $T/k.pub

[source spf]
type = spf
domain = relay.test

[output all]
type = text
path = $T/o/all.txt
EOC
as() { "$ALLOWSYNC" -c "$T/a.conf" "$@"; }
tree() { find "$T/fresh" "$T/o" -printf '%p %y %m %s %T@\n' 2>/dev/null | sort; }

mkdir -p "$T/fresh"
for round in nonexistent empty; do
	[ $round = empty ] && mkdir -m 0700 "$S"
	tree >"$T/before"
	expect_exit 0 as diff
	for p in '^+5.9.0.0/16$' '^+8.8.8.0/24$' '^+9.9.9.0/24$'; do expect_grep "$p" "$T/out"; done
	expect_exit 0 as diff --json
	expect_exit 0 as show --fetch
	expect_grep '^9.9.9.0/24$' "$T/out"
	expect_exit 0 as why --fetch 5.9.1.1
	expect_exit 0 as status
	tree >"$T/after"
	cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" >&2; fail "diff/show/why wrote ($round state dir)"; }
	echo "ok   $round state directory: nothing written"
done

# A run creates the state; diff then locks it shared: it runs while
# another diff holds that lock, and is refused while a run holds it.
expect_exit 0 as run
[ -e "$S/lock" ] && [ -d "$S/cache" ] && [ -d "$S/sig" ] || { tree >&2; fail "run kept no state"; }
tree >"$T/before"
expect_exit 0 flock -s "$S/lock" "$ALLOWSYNC" -c "$T/a.conf" diff
expect_grep '^output "all": +0 -0 entries' "$T/out"
expect_exit 4 flock -x "$S/lock" "$ALLOWSYNC" -c "$T/a.conf" diff
expect_grep 'holds .*/lock' "$T/err"
tree >"$T/after"
cmp -s "$T/before" "$T/after" || { diff "$T/before" "$T/after" >&2; fail "diff wrote after a run"; }
echo "ok"
