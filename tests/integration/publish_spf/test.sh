#!/bin/sh
# Publish the SPF zone -> load it into a real DNS server (nsd on
# loopback) -> consume it with an `spf` source: the same set as the
# published lists.  Every answer fits a 512-byte UDP response without
# EDNS (no TC bit), every string is <= 255 bytes, and the top record
# needs at most 9 lookups.  An inventory too large for SPF is refused
# with how much fits, and writes nothing.
. ../lib/common.sh
. ../lib/spfdns.sh
command -v dig >/dev/null || skip "dig not installed (dnsutils)"

mkdir -p "$T/pub" "$T/o"
# 150 scattered IPv4 hosts, a few networks, some IPv6: several records.
python3 - >"$T/inv.txt" <<'PY'
for i in range(150):
    print("198.51.%d.%d" % (100 + i // 100, (i % 100) * 2 + 1))
print("192.0.2.0/24")
print("203.0.113.64/26")
for i in range(12):
    print("2001:db8:%x::/48" % (i * 3))
print("2001:db8:ffff::25")
PY
conf_file "$T/p.conf" "$T/pstate" "allow_special = yes" <<EOC
[source inv]
type = file
path = $T/inv.txt

[publish]
dir = $T/pub
name = relay
spf_domain = spf.relay.test
spf_ttl = 300
EOC
expect_exit 0 "$ALLOWSYNC" -v -c "$T/p.conf" publish
zone=$T/pub/relay.spf.zone
[ -s "$zone" ] || fail "no zone written"
nrec=$(grep -c ' IN TXT ' "$zone")
[ "$nrec" -ge 3 ] || { cat "$zone"; fail "expected several records, got $nrec"; }
[ "$nrec" -le 10 ] || fail "$nrec records: more than 9 includes"

# A root zone around the published records, served by nsd.
{
	echo '$TTL 300'
	echo '. IN SOA ns.test. admin.test. 1 3600 600 86400 300'
	echo '. IN NS ns.test.'
	echo 'ns.test. IN A 127.0.0.1'
	cat "$zone"
} >"$T/root.zone"
nsd_start "$T/nsd" "$T/root.zone"

# Each record: one UDP answer without EDNS, not truncated, <= 512 bytes.
for name in $(awk '/ IN TXT /{print $1}' "$zone"); do
	dig +noedns +ignore +tries=1 +time=2 -p "$NSD_PORT" @127.0.0.1 "$name" TXT >"$T/dig.out" 2>&1 ||
		fail "dig $name"
	grep -q 'status: NOERROR' "$T/dig.out" || { cat "$T/dig.out"; fail "$name: no answer"; }
	grep -q 'flags:.* tc' "$T/dig.out" && { cat "$T/dig.out"; fail "$name: truncated over UDP"; }
	size=$(sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p' "$T/dig.out")
	[ "$size" -le 512 ] || fail "$name: $size-byte answer"
	# character-strings of at most 255 bytes
	python3 - "$T/dig.out" <<'PY' || fail "$name: a string longer than 255 bytes"
import re, sys
for s in re.findall(r'"([^"]*)"', open(sys.argv[1]).read()):
    assert len(s) <= 255, len(s)
PY
done
incl=$(grep '^spf.relay.test\. ' "$zone" | grep -o 'include:' | wc -l)
[ "$incl" -eq $((nrec - 1)) ] || fail "top record includes $incl of $((nrec - 1)) sub-records"

# The consumer: an spf source against that server.
conf_file "$T/c.conf" "$T/cstate" "allow_special = yes" "dns_server = 127.0.0.1:$NSD_PORT" \
	"timeout = 10" <<EOC
[source relay]
type = spf
domain = spf.relay.test

[output all]
type = text
path = $T/o/all.txt
header = no
EOC
expect_exit 0 "$ALLOWSYNC" -c "$T/c.conf" run
cat "$T/pub/relay-v4.txt" "$T/pub/relay-v6.txt" | "$ALLOWSYNC" aggregate >"$T/want"
"$ALLOWSYNC" aggregate "$T/o/all.txt" >"$T/got"
cmp -s "$T/want" "$T/got" || { diff "$T/want" "$T/got" | head >&2; fail "SPF consumer set differs from the published one"; }
# ... and the same as the inventory itself.
"$ALLOWSYNC" aggregate "$T/inv.txt" | cmp -s - "$T/got" || fail "SPF consumer set differs from the inventory"

# Too large: 2500 hosts cannot fit 10 records of 512 bytes.
python3 -c '
for i in range(2500): print("10.%d.%d.%d" % (i // 20000, (i // 100) % 200, (i % 100) * 2 + 1))' >"$T/inv.txt"
(cd "$T/pub" && age ./*)   # any write, however soon, shows in the mtime
before=$(cd "$T/pub" && ls -li --time-style=+%s.%N)
expect_exit 1 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'SPF records for spf.relay.test: 2500 CIDRs do not fit; .* hold about [0-9]* of them, [0-9]* too many' "$T/err"
[ "$(cd "$T/pub" && ls -li --time-style=+%s.%N)" = "$before" ] || fail "a refused publish wrote files"
echo "publish_spf: $nrec records, round trip ok"
