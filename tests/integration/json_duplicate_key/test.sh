#!/bin/sh
# A JSON document with a duplicate member name is refused, whatever reads
# it (format = json with selectors, format = allowsync; a file or an HTTPS
# source; the publisher's previous document), with the line and column of
# the repeated name in one line; a source serves its last good copy (exit
# 3) and the output is left as it was.
. ../lib/pipe.sh
. ../lib/https.sh
good_json() {
	cat >"$T/ses.json" <<'EOD'
{
  "syncToken": "1",
  "prefixes": [
    {"ip_prefix": "54.240.0.0/18", "service": "EMAIL"},
    {"ip_prefix": "52.94.0.0/22", "service": "EC2"}
  ],
  "ipv6_prefixes": []
}
EOD
}
good_pub() {
	cat >"$T/pub.json" <<'EOD'
{
  "prefixes": [{"ip_prefix": "185.12.80.0/22", "tags": ["dedicated"]}],
  "ipv6_prefixes": []
}
EOD
}
good_json
good_pub
conf <<EOF2
[source ses]
type = file
path = $T/ses.json
format = json
select = \$.prefixes[?@.service=='EMAIL'].ip_prefix
[source pub]
type = file
path = $T/pub.json
format = allowsync
[output plain]
type = text
path = $T/o/plain.txt
EOF2
expect_exit 0 as run
expect_grep '^54\.240\.0\.0/18$' "$T/o/plain.txt"
expect_grep '^185\.12\.80\.0/22$' "$T/o/plain.txt"
cp "$T/o/plain.txt" "$T/plain.good"
before=$(sig "$T/o/plain.txt")

# The second "prefixes" would have added 52.94.0.0/22 (an EMAIL entry):
# cJSON keeps both arrays, and the selector used to see both.
cat >"$T/ses.json" <<'EOD'
{
  "prefixes": [{"ip_prefix": "54.240.0.0/18", "service": "EMAIL"}],
  "prefixes": [{"ip_prefix": "52.94.0.0/22", "service": "EMAIL"}],
  "ipv6_prefixes": []
}
EOD
expect_exit 3 as run
expect_grep "^allowsync: warning: source \"ses\": $T/ses\.json:3: column 3: duplicate key \"prefixes\": keeping last good (.* old, 1 entry)\$" "$T/err"
[ "$(grep -c 'duplicate key' "$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "not one line"; }
cmp -s "$T/o/plain.txt" "$T/plain.good" || fail "output changed"
[ "$(sig "$T/o/plain.txt")" = "$before" ] || fail "output rewritten"

# Escaped, nested: the same name once decoded, in an entry of the
# published document.
good_json
printf '{"prefixes": [{"ip_prefix": "185.12.80.0/22",\n  "tags": [], "ip\\u005fprefix": "1.1.1.0/24"}], "ipv6_prefixes": []}\n' >"$T/pub.json"
expect_exit 3 as run
expect_grep "source \"pub\": $T/pub\.json:2: column 15: duplicate key \"ip_prefix\": keeping last good" "$T/err"
! grep -q 'source "ses"' "$T/err" || { cat "$T/err" >&2; fail "ses affected"; }
cmp -s "$T/o/plain.txt" "$T/plain.good" || fail "output changed"

# The same names in different objects are fine: back to exit 0.
good_pub
expect_exit 0 as run
cmp -s "$T/o/plain.txt" "$T/plain.good" || fail "output changed"

# The publisher reads its previous document for the serial: one with a
# repeated "serial" is not trusted (a new serial, with a warning).
mkdir -p "$T/pub"
conf_file "$T/p.conf" "$T/pstate" <<EOC
[source fixed]
type = static
prefixes = 185.12.80.0/22
[publish]
dir = $T/pub
name = relay
EOC
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
sed -i '1a\  "serial": 1,' "$T/pub/relay.json"
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep "^allowsync: warning: publish \"relay\": $T/pub/relay\.json:5: column 3: duplicate key \"serial\"; starting a new serial\$" "$T/err"
python3 -c 'import json,sys; json.load(open(sys.argv[1]), object_pairs_hook=lambda p: len({k for k, _ in p}) == len(p) or sys.exit("duplicate"))' "$T/pub/relay.json" ||
	fail "the new relay.json repeats a key"

# Over HTTPS: the URL (the one the source names: fault_expect checks
# it), then the line and the column.
mkdir -p "$T/fx/feeds" "$T/fx/bad"
cp "$T/ses.json" "$T/fx/feeds/ses.json"
sed -n 1,2p "$T/ses.json" >"$T/fx/bad/ses.json"
printf '  "prefixes": [],\n' >>"$T/fx/bad/ses.json"
sed -n '3,$p' "$T/ses.json" >>"$T/fx/bad/ses.json"
FIXTURES=$T/fx
fault_server
fault_expect "$b/feed/ses.json" "$b/bad/ses.json" \
	"^allowsync: warning: source \"feed\": https://[^ ]*: line 4: column 3: duplicate key \"prefixes\": keeping last good" \
	format=json "select=\$.prefixes[?@.service=='EMAIL'].ip_prefix"
echo ok
