#!/bin/sh
# SPF sources against a real authoritative server (nsd on loopback): the
# captured real records ($FIXTURES/spf/blaze-cache: Google's three
# netblocks, SendGrid's dangling include, GitHub's double space, a
# zero-padded IPv6) and the edge cases of zone.txt (every expansion
# rule), a 5 KB record that only fits over TCP, a zone that SERVFAILs
# and a branch behind a proxy that never answers.  First with
# `allowsync spf`, then through `allowsync run` (last good copy on a
# temporary error, partial sources).
. ../lib/common.sh
. ../lib/spfdns.sh
command -v dig >/dev/null || skip "dig not installed (dnsutils)"

# ---- zones ----
{
	python3 "$LIBDIR/spfzone.py" blaze "$FIXTURES/spf/blaze-cache"
	cat zone.txt
	# 260 scattered hosts: about 5 KB, more than a UDP answer holds.
	python3 - <<'PY'
terms = ' '.join('ip4:198.18.%d.%d' % (i // 100, (i % 100) * 2) for i in range(260))
rec = ('v=spf1 ' + terms + ' -all').encode()
parts = ' '.join('"%s"' % rec[i:i + 255].decode() for i in range(0, len(rec), 255))
print('big.edge.test. IN TXT ' + parts)
print('bigtop.edge.test. IN TXT "v=spf1 include:big.edge.test include:_spf.google.com -all"')
PY
} >"$T/root.zone"
printf '$TTL 300\nbroken.test. IN SOA ns.test. a.test. 1 2 3 4 5\nbroken.test. IN NS ns.test.\nthis line is not a record\n' >"$T/broken.zone"
NSD_EXTRA="zone:
	name: \"broken.test\"
	zonefile: \"$T/broken.zone\""
nsd_start "$T/nsd" "$T/root.zone"
: >"$T/rules"
proxy_start "$T/rules" "$NSD_PORT"
S=127.0.0.1:$PROXY_PORT

# spf_ok DOMAIN [OPTIONS...] -- CIDR...: exactly these CIDRs
spf_ok() {
	dom=$1; shift
	opts=""
	while [ "$1" != "--" ]; do opts="$opts $1"; shift; done
	shift
	# shellcheck disable=SC2086
	"$ALLOWSYNC" spf -s "$S" --timeout 5 $opts "$dom" >"$T/out" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "spf $dom: exit $?"; }
	printf '%s\n' "$@" | sed '/^$/d' >"$T/want"
	diff "$T/want" "$T/out" >&2 || fail "spf $dom: unexpected prefixes"
	echo "ok   $dom$opts: $(wc -l <"$T/out") prefixes"
}
# spf_has DOMAIN CIDR...: these CIDRs among the output
spf_has() {
	dom=$1; shift
	"$ALLOWSYNC" spf -s "$S" --timeout 5 "$dom" >"$T/out" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "spf $dom: exit $?"; }
	for c; do grep -qx -- "$c" "$T/out" || { cat "$T/out" >&2; fail "spf $dom: no $c"; }; done
	echo "ok   $dom: $(wc -l <"$T/out") prefixes, $# checked"
}
# spf_err DOMAIN PATTERN [OPTIONS...]: fails, saying PATTERN
spf_err() {
	dom=$1 pat=$2; shift 2
	set +e
	"$ALLOWSYNC" spf -s "$S" --timeout 2 "$@" "$dom" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	[ $rc -eq 1 ] || { cat "$T/out" "$T/err" >&2; fail "spf $dom: exit $rc, wanted 1"; }
	[ -s "$T/out" ] && { cat "$T/out" >&2; fail "spf $dom: printed prefixes on failure"; }
	grep -q -- "$pat" "$T/err" || { cat "$T/err" >&2; fail "spf $dom: no \"$pat\""; }
	echo "ok   $dom fails: $(cat "$T/err")"
}

# ---- the captured real records ----
spf_ok _spf.google.com -- 35.190.247.0/24 35.191.0.0/16 64.233.160.0/19 66.102.0.0/20 \
	66.249.80.0/20 72.14.192.0/18 74.125.0.0/16 108.177.8.0/21 108.177.96.0/19 \
	130.211.0.0/22 172.217.0.0/19 172.217.32.0/20 172.217.128.0/19 172.217.160.0/20 \
	172.217.192.0/19 172.253.56.0/21 172.253.112.0/20 173.194.0.0/16 209.85.128.0/17 \
	216.58.192.0/19 216.239.32.0/19 2001:4860:4000::/36 2404:6800:4000::/36 \
	2607:f8b0:4000::/36 2800:3f0:4000::/36 2a00:1450:4000::/36 2c0f:fb50:4000::/36
spf_has janestreet.com 38.105.200.78/31 64.215.233.18/32 64.215.233.21/32 69.184.0.0/13 \
	199.172.169.0/24 13.111.0.0/22 136.147.176.0/24 74.125.0.0/16 2001:4860:4000::/36
spf_has github.com 192.30.252.0/22 192.0.2.16/28 205.201.128.0/20 198.2.128.0/18 \
	13.110.208.0/21 40.92.0.0/15 2a01:111:f400::/48 172.217.0.0/19
spf_err sendgrid.net "sendgrid.net: include:ab.sendgrid.net: no v=spf1 record (NXDOMAIN)"
spf_err sgmail.github.com "include:ab.sendgrid.net: no v=spf1 record"
spf_err mail148.suw18.rsgsv.net "include:spf.mandrillapp.com: no v=spf1 record"
spf_err discoursemail.com 'cannot flatten "ptr"'
"$ALLOWSYNC" spf -s "$S" --partial discoursemail.com >"$T/out" 2>"$T/err" || fail "partial discoursemail.com"
grep -qx 2602:fd3f:0:ff06::/64 "$T/out" || fail "zero-padded ip6:2602:fd3f:0000:ff06::/64 missing"
grep -qx 209.61.151.0/24 "$T/out" || fail "include:mailgun.org missing"
grep -q 'skipped "ptr"' "$T/err" || fail "no partial warning"
echo "ok   discoursemail.com --partial: $(wc -l <"$T/out") prefixes, ptr skipped"

# ---- the rules ----
spf_ok qual.edge.test -- 192.0.2.0/32 192.0.2.4/30 198.51.100.0/32 198.51.100.2/31
spf_ok amx.edge.test -- 192.0.2.50/32 192.0.2.60/30 192.0.2.70/31 2001:db8::/120 2001:db8:1::5/128
spf_ok redir.edge.test -- 192.0.2.80/31
spf_ok allend.edge.test -- 192.0.2.90/32
spf_ok mod.edge.test -- 192.0.2.95/32
spf_err mech.edge.test '"foo:bar": unknown mechanism'
spf_err two.edge.test "more than one v=spf1 record"
spf_err spf10.edge.test "spf10.edge.test: no v=spf1 record"
spf_err nothing.edge.test "no v=spf1 record (NXDOMAIN)"
spf_ok other.edge.test -- 192.0.2.97/32 192.0.2.98/32
spf_err plusall.edge.test 'open.edge.test: a pass "all" would allow the whole address space'
spf_ok minusinc.edge.test --
spf_err ptr.edge.test 'cannot flatten "ptr"'
spf_ok ptr.edge.test --partial -- 192.0.2.99/32
grep -q 'skipped "exists:%{i}.bl.edge.test"' "$T/err" || fail "exists not reported as skipped"
spf_err loop1.edge.test "include loop: loop1.edge.test -> loop2.edge.test -> LOOP1.Edge.Test."
spf_ok lookups.edge.test -- 192.0.2.1/32 192.0.2.61/32 2001:db8::77/128
spf_err lookups.edge.test "more than 8 DNS lookups" --max-lookups 8
spf_err voids.edge.test "more than 2 void lookups"
spf_err manymx.edge.test "more than 10 MX names"
spf_err sfail.edge.test "SERVFAIL for a.broken.test (TXT)"

# ---- the large record: truncated over UDP, read over TCP ----
dig +noedns +ignore +tries=1 +time=2 -p "$NSD_PORT" @127.0.0.1 big.edge.test TXT >"$T/dig" 2>&1
grep -q 'flags:.* tc' "$T/dig" || { cat "$T/dig"; fail "big.edge.test was not truncated over UDP"; }
"$ALLOWSYNC" spf -s "$S" bigtop.edge.test >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "bigtop"; }
n=$(grep -c '^198\.18\.' "$T/out")
[ "$n" -eq 260 ] || fail "big record: $n of 260 hosts"
echo "ok   bigtop.edge.test: 5 KB record over TCP, 260 hosts"

# ---- a branch that never answers ----
echo "ok   dead.edge.test resolves while never.edge.test answers NXDOMAIN:"
spf_has dead.edge.test 192.0.2.1/32 74.125.0.0/16
echo "never.edge.test" >"$T/rules"
spf_err dead.edge.test "timeout for never.edge.test"

# ---- server lists: IPv6 [ADDR]:PORT, and a dead first server ----
if ip -6 addr show lo 2>/dev/null | grep -q '::1/128'; then
	v4port=$NSD_PORT v4pid=$NSD_PID
	nsd_start "$T/nsd6" "$T/root.zone" ::1
	"$ALLOWSYNC" spf -s "[::1]:$NSD_PORT" _spf.google.com >"$T/out" 2>"$T/err" ||
		{ cat "$T/err"; fail "spf over [::1]:$NSD_PORT"; }
	[ "$(wc -l <"$T/out")" -eq 27 ] || fail "spf over IPv6 transport: $(wc -l <"$T/out") prefixes"
	echo "ok   dns_server [::1]:$NSD_PORT"
	nsd_stop
	NSD_PORT=$v4port NSD_PID=$v4pid
fi
"$ALLOWSYNC" spf -s "127.0.0.1:1 127.0.0.1:$NSD_PORT" _spf.google.com >"$T/out" 2>"$T/err" ||
	{ cat "$T/err"; fail "second server not used after a refused first"; }
[ "$(wc -l <"$T/out")" -eq 27 ] || fail "with a dead first server: $(wc -l <"$T/out") prefixes"
echo "ok   a refusing first server, the second answers"
set +e
"$ALLOWSYNC" spf -s "ns.example.com" _spf.google.com >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q 'is not ADDR' "$T/err" || { cat "$T/err"; fail "bad server list: exit $rc"; }
echo "ok   bad server list: $(cat "$T/err")"

# ---- through the pipeline ----
: >"$T/rules"
conf_file "$T/a.conf" "$T/state" "dns_server = $S" "timeout = 3" "allow_special = yes" <<EOC
[source gw]
preset = google-workspace

[source dead]
type = spf
domain = dead.edge.test

[source part]
type = spf
domain = ptr.edge.test
spf_partial = yes

[output gw]
type = text
path = $T/gw.txt
sources = gw

[output dead]
type = text
path = $T/dead.txt
sources = dead

[output part]
type = text
path = $T/part.txt
sources = part
EOC
export ALLOWSYNC_PRESETS="$PWD/../../../packaging/presets.conf"
set +e
"$ALLOWSYNC" -c "$T/a.conf" run >"$T/run1" 2>&1; rc=$?
set -e
cat "$T/run1"
# part is partial: applied, the run is degraded.
[ $rc -eq 3 ] || fail "first run: exit $rc, wanted 3 (partial source)"
grep -q 'skipped "ptr"' "$T/run1" || fail "no partial warning in the run"
grep -qx 192.0.2.99/32 "$T/part.txt" || fail "partial source not applied"
grep -qx 192.0.2.1/32 "$T/dead.txt" || fail "dead.edge.test not applied"
grep -qx 2001:4860:4000::/36 "$T/gw.txt" || fail "google-workspace preset not applied"
cp "$T/dead.txt" "$T/dead.before"

echo "never.edge.test" >"$T/rules"
set +e
"$ALLOWSYNC" -c "$T/a.conf" run >"$T/run2" 2>&1; rc=$?
set -e
cat "$T/run2"
[ $rc -eq 3 ] || fail "second run: exit $rc, wanted 3 (degraded: last good copy)"
grep -q 'source "dead".*timeout for never.edge.test' "$T/run2" || fail "no timeout message for dead"
cmp "$T/dead.txt" "$T/dead.before" || fail "dead output changed on a temporary error"
echo "ok   run: temporary error keeps the last good copy, exit 3"
