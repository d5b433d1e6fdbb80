#!/bin/sh
# Sources are collected at once: three url sources whose server answers
# only when all three ask at the same time (/together: collected one
# after another, each would wait 20 s and get a 503), beside a
# blackholed publisher listed first (it accepts the connection and never
# answers: its own timeout, 3 s, ends it).  The three are collected, the
# dead one fails alone, and the lines come out in configuration order,
# not in the order the sources finished.
. ../lib/common.sh
. ../lib/https.sh
fault_server
dead_port --blackhole

mkdir -p "$T/o"
conf_file "$T/a.conf" "$T/state" "ca_file = $T/ca/ca.pem" "timeout = 60" <<EOC
[source dead]
type = url
url = https://localhost:$dead/list.txt
timeout = 3

[source a]
type = url
url = $b/together/cloudflare-ips-v4.txt?n=3

[source b]
type = url
url = $b/together/cloudflare-ips-v6.txt?n=3

[source c]
type = url
url = $b/together/cloudflare-ips-v4.txt?n=3

[output all]
type = text
path = $T/o/all.txt
sources = a b c

[output fromdead]
type = text
path = $T/o/dead.txt
sources = dead
EOC
expect_exit 1 "$ALLOWSYNC" -v -c "$T/a.conf" run
cat "$T/err"
for s in a b c; do
	grep -q "^allowsync: source \"$s\": [0-9]* entries from https://localhost:$port/together/" "$T/err" ||
		fail "source $s was not collected together with the others"
done
expect_grep 'source "dead": .*timed out\|source "dead": .*[Tt]imeout' "$T/err"
[ "$(grep -c '^/together/' "$T/fault-$port.log")" = 3 ] || fail "not 3 requests to /together"
grep -q '^104\.16\.0\.0/13$' "$T/o/all.txt" || fail "the output lacks cloudflare's IPv4 ranges"
grep -q '^2606:4700::/32$' "$T/o/all.txt" || fail "the output lacks cloudflare's IPv6 ranges"
[ -e "$T/o/dead.txt" ] && fail "an output was written from a source that has nothing"
# Configuration order: dead, a, b, c — though dead finished last.
order=$(sed -n 's/^allowsync: \(error: \|warning: \)\{0,1\}source "\([a-z]*\)".*/\2/p' "$T/err" | uniq | tr '\n' ' ')
[ "$order" = "dead a b c " ] || fail "source lines in the order \"$order\", not the configuration's"
echo ok
