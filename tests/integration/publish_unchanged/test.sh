#!/bin/sh
# An unchanged publish rewrites nothing: every file keeps its inode and
# mtime and the serial stays; a changed inventory rewrites what changed
# (and only that) under a larger serial.  -n writes nothing.  An empty
# inventory, or a source that fails, publishes nothing.
. ../lib/common.sh

mkdir -p "$T/pub"
"$ALLOWSYNC" -q keygen -p "$T/k.pub" -s "$T/k.key" || fail keygen
printf '192.0.2.0/24\n2001:db8:1::/48\n' >"$T/inv.txt"
conf_file "$T/p.conf" "$T/state" "allow_special = yes" <<EOC
[source fromfile]
type = file
path = $T/inv.txt
tags = shared

[source fixed]
type = static
prefixes = 198.51.100.7 2001:db8:2::1
tags = dedicated

[publish]
dir = $T/pub
name = relay
sign_key = $T/k.key
spf_domain = spf.example.test
EOC
files="relay.json relay.json.minisig relay-v4.txt relay-v6.txt relay.spf.zone"
snap() { (cd "$T/pub" && for f in $files; do stat -c '%n %i %Y.%y' "$f"; done); }
serial() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serial"])' "$T/pub/relay.json"; }

expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'publish "relay": serial [0-9]* (first)' "$T/err"
for f in $files; do [ -s "$T/pub/$f" ] || fail "$f not written"; done
[ "$(stat -c %a "$T/pub/relay.json")" = 644 ] || fail "relay.json mode $(stat -c %a "$T/pub/relay.json")"
s1=$(serial)
# Every file dated far back: a rewrite, however soon it comes, shows in
# the mtime (and a replacement in the inode).
(cd "$T/pub" && age $files)
snap >"$T/snap1"

expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep "serial $s1 (unchanged).*nothing changed" "$T/err"
snap >"$T/snap2"
cmp -s "$T/snap1" "$T/snap2" || { diff "$T/snap1" "$T/snap2" >&2; fail "an unchanged publish rewrote files"; }
[ "$(serial)" = "$s1" ] || fail "serial moved"
ls -A "$T/pub" | grep -q allowsync- && fail "temporary files left behind"

# A change of the IPv4 inventory: json, signature, v4 list and zone
# change; the v6 list stays as it was.
printf '192.0.2.0/24\n203.0.113.0/25\n2001:db8:1::/48\n' >"$T/inv.txt"
expect_exit 0 "$ALLOWSYNC" -n -c "$T/p.conf" publish
expect_grep 'would write relay.json relay-v4.txt relay.spf.zone relay.json.minisig' "$T/err"
snap >"$T/snap3"
cmp -s "$T/snap1" "$T/snap3" || fail "-n wrote files"
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep "(was $s1).*wrote relay.json relay-v4.txt relay.spf.zone relay.json.minisig" "$T/err"
s2=$(serial)
[ "$s2" -gt "$s1" ] || fail "serial did not grow ($s1 -> $s2)"
snap >"$T/snap4"
grep '^relay-v6.txt ' "$T/snap1" >"$T/a"; grep '^relay-v6.txt ' "$T/snap4" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "relay-v6.txt rewritten though unchanged"
grep -q '^203.0.113.0/25$' "$T/pub/relay-v4.txt" || fail "v4 list lacks the new prefix"
minisign -Vm "$T/pub/relay.json" -p "$T/k.pub" >/dev/null 2>&1 || fail "new signature does not verify"

# The document: the AWS shape, tags per entry.
python3 - "$T/pub/relay.json" <<'PY' || fail "document shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["syncToken"] == str(d["serial"]), d["syncToken"]
assert set(d) == {"syncToken", "createDate", "serial", "expires", "prefixes", "ipv6_prefixes"}, set(d)
v4 = {e["ip_prefix"]: e["tags"] for e in d["prefixes"]}
v6 = {e["ipv6_prefix"]: e["tags"] for e in d["ipv6_prefixes"]}
assert v4 == {"192.0.2.0/24": ["shared"], "198.51.100.7/32": ["dedicated"],
              "203.0.113.0/25": ["shared"]}, v4
assert v6 == {"2001:db8:1::/48": ["shared"], "2001:db8:2::1/128": ["dedicated"]}, v6
PY

# A failing source or an empty inventory publishes nothing.
(cd "$T/pub" && age $files)
snap >"$T/snap5"
mv "$T/inv.txt" "$T/inv.gone"
expect_exit 1 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'source "fromfile".*nothing published' "$T/err"
printf '# nothing\n' >"$T/inv.txt"
expect_exit 1 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'source "fromfile".*nothing published' "$T/err"
snap >"$T/snap6"
cmp -s "$T/snap5" "$T/snap6" || fail "a failed publish touched files"
echo "publish_unchanged: ok"
