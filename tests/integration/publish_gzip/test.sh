#!/bin/sh
# publish writes FILE.gz beside each file: it inflates to the file and
# carries its mtime; an unchanged publish rewrites neither (inode and
# mtime kept), nor a copy gzip(1) made; a lost copy comes back alone; a
# changed file gets a new copy with it.  nginx with
# gzip_static (and its own gzip off, so that a compressed answer can
# only come from the copy) serves the copy to `curl --compressed`, with
# Content-Encoding: gzip, and the body inflates to the file; its ETag is
# answered 304 when asked again.  gzip = no
# writes none, and removes a copy before its file changes.
. ../lib/common.sh
. ../lib/https.sh
command -v curl >/dev/null || skip "curl not installed"

mkdir -p "$T/pub"
"$ALLOWSYNC" -q keygen -p "$T/k.pub" -s "$T/k.key" || fail keygen
printf '192.0.2.0/24\n2001:db8:1::/48\n' >"$T/inv.txt"
pubconf() { # $1: extra [publish] line
	conf_file "$T/p.conf" "$T/state" "allow_special = yes" <<EOC
[source inv]
type = file
path = $T/inv.txt

[publish]
dir = $T/pub
name = relay
sign_key = $T/k.key
spf_domain = spf.example.test
$1
EOC
}
files="relay.json relay.json.minisig relay-v4.txt relay-v6.txt relay.spf.zone"
snap() { (cd "$T/pub" && for f in $files; do stat -c '%n %i %Y.%y' "$f" "$f.gz"; done); }
copies_match() {
	for f in $files; do
		[ -s "$T/pub/$f.gz" ] || fail "$f.gz not written"
		gzip -dc "$T/pub/$f.gz" | cmp -s - "$T/pub/$f" || fail "$f.gz does not inflate to $f"
		[ "$(stat -c %y "$T/pub/$f")" = "$(stat -c %y "$T/pub/$f.gz")" ] ||
			fail "$f.gz dated $(stat -c %y "$T/pub/$f.gz"), $f $(stat -c %y "$T/pub/$f")"
		[ "$(stat -c %a "$T/pub/$f.gz")" = 644 ] || fail "$f.gz mode $(stat -c %a "$T/pub/$f.gz")"
	done
}

# 1. First publish: every file with its copy.
pubconf ""
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'wrote relay.json relay-v4.txt relay-v6.txt relay.spf.zone relay.json.minisig (and .gz)' "$T/err"
copies_match
# Deterministic: no name and no time in the header (gzip -l -N would
# show them).
for f in $files; do
	h=$(od -An -tx1 -N8 "$T/pub/$f.gz" | tr -d ' \n')
	[ "$h" = 1f8b080000000000 ] || fail "$f.gz header $h (a name or an mtime in it?)"
done

# 2. Unchanged: nothing rewritten, copies included.
snap >"$T/snap1"
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'nothing changed' "$T/err"
snap >"$T/snap2"
cmp -s "$T/snap1" "$T/snap2" || { diff "$T/snap1" "$T/snap2" >&2; fail "an unchanged publish rewrote files"; }
ls -A "$T/pub" | grep -q allowsync- && fail "temporary files left behind"

# 3. A lost copy comes back alone, dated as its file.
rm "$T/pub/relay-v6.txt.gz"
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep '; wrote relay-v6.txt.gz$' "$T/err"
copies_match

# A copy made by another compressor, inflating to the file, is kept.
gzip -1 -c "$T/pub/relay-v4.txt" >"$T/pub/relay-v4.txt.gz"
touch -r "$T/pub/relay-v4.txt" "$T/pub/relay-v4.txt.gz"
snap >"$T/snap1"
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'nothing changed' "$T/err"
snap >"$T/snap2"
cmp -s "$T/snap1" "$T/snap2" || { diff "$T/snap1" "$T/snap2" >&2; fail "a good copy from gzip(1) was replaced"; }

# 4. A change: the changed files and their copies, the others kept.
next_second   # a new mtime, visibly
printf '192.0.2.0/24\n203.0.113.0/25\n2001:db8:1::/48\n' >"$T/inv.txt"
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'wrote relay.json relay-v4.txt relay.spf.zone relay.json.minisig (and .gz)' "$T/err"
copies_match
snap >"$T/snap3"
grep '^relay-v6.txt' "$T/snap1" >"$T/a"; grep '^relay-v6.txt' "$T/snap3" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "relay-v6.txt or its copy rewritten though unchanged"
grep '^relay-v4.txt.gz ' "$T/snap1" >"$T/a"; grep '^relay-v4.txt.gz ' "$T/snap3" >"$T/b"
cmp -s "$T/a" "$T/b" && fail "relay-v4.txt.gz not rewritten with its file"

# 5. nginx's gzip_static serves the copies; its own gzip is off.
https_certs "$T/ca"
NGINX_SERVER_EXTRA="gzip off; gzip_static on; gzip_vary on;"
nginx_start "$T/pub"
for f in relay.json relay-v4.txt relay.json.minisig; do
	curl -sS --cacert "$T/ca/ca.pem" --compressed -D "$T/h" -o "$T/body" \
		"https://localhost:$port/$f" || fail "curl $f"
	grep -qi '^content-encoding: gzip' "$T/h" || { cat "$T/h" >&2; fail "$f: not served gzip-encoded"; }
	len=$(sed -n 's/^[Cc]ontent-[Ll]ength: *\([0-9]*\).*/\1/p' "$T/h")
	[ "$len" = "$(stat -c %s "$T/pub/$f.gz")" ] || fail "$f: Content-Length $len is not the size of $f.gz"
	cmp -s "$T/body" "$T/pub/$f" || fail "$f: the decompressed body differs from the file"
	# Its ETag holds (nginx: mtime and size of the copy): asked again
	# with it, 304.
	etag=$(sed -n 's/^[Ee][Tt]ag: *\("[^"]*"\).*/\1/p' "$T/h")
	[ -n "$etag" ] || fail "$f: no strong ETag: $(cat "$T/h")"
	code=$(curl -sS --cacert "$T/ca/ca.pem" --compressed -H "If-None-Match: $etag" -o /dev/null \
		-w '%{http_code}' "https://localhost:$port/$f") || fail "curl $f"
	[ "$code" = 304 ] || fail "$f: If-None-Match $etag answered $code, not 304"
	# Without Accept-Encoding: the file itself.
	curl -sS --cacert "$T/ca/ca.pem" -D "$T/h" -o "$T/body" "https://localhost:$port/$f" || fail "curl $f"
	grep -qi '^content-encoding' "$T/h" && fail "$f: encoded though not asked for"
	cmp -s "$T/body" "$T/pub/$f" || fail "$f: plain body differs from the file"
done

# 6. gzip = no: no copy for a new file; a copy goes when its file changes,
# stays beside an unchanged one.
pubconf "gzip = no"
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" check
printf '192.0.2.0/24\n2001:db8:1::/48\n' >"$T/inv.txt"
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'wrote relay.json relay-v4.txt relay.spf.zone relay.json.minisig$' "$T/err"
for f in relay.json relay-v4.txt relay.spf.zone relay.json.minisig; do
	[ -e "$T/pub/$f.gz" ] && fail "gzip = no: $f.gz left beside its newer file"
done
[ -e "$T/pub/relay-v6.txt.gz" ] || fail "gzip = no: the copy of an unchanged file removed"
curl -sS --cacert "$T/ca/ca.pem" --compressed -D "$T/h" -o "$T/body" "https://localhost:$port/relay.json" || fail curl
grep -qi '^content-encoding' "$T/h" && fail "a removed copy still served"
cmp -s "$T/body" "$T/pub/relay.json" || fail "relay.json: body differs"

pubconf "gzip = maybe"
expect_exit 2 "$ALLOWSYNC" -c "$T/p.conf" check
expect_grep 'p.conf:[0-9]*: gzip = maybe' "$T/err"
echo "publish_gzip: ok"
