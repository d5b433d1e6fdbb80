#!/bin/sh
# triage on a real Postfix 3.7 log: a private Postfix instance (its own
# configuration and queue directory, smtpd and postscreen on loopback
# ports inside a network namespace, logging to a file through postlogd:
# no syslogd) refuses test clients from several loopback addresses for
# each reason it can give without DNS — relay access denied, client host
# rejected, helo, sender, postscreen PREGREET — over IPv4 and IPv6.
# allowsync triage then reads that log (as written, gzip'd, and turned
# into `journalctl -o short` and `-o cat` forms) with a configuration
# whose static source covers some clients and a presets file whose file
# preset covers others; the table and the JSON must say which covers
# which, count the rejections and the sender domains, and list the rest
# as not covered.  --offline uses the last good copies of a run.
. ../lib/pipe.sh
. ../lib/postfix.sh
command -v jq >/dev/null || skip "jq not installed"
# Client addresses: 127.0.0.0/8 is the loopback's already; one IPv6 more.
pf_namespace 2001:db8:25::7
LOG=$PF_LOG
pf_config <<EOF2
smtpd_helo_required = yes
smtpd_client_restrictions = check_client_access inline:{127.0.0.13=REJECT}
smtpd_helo_restrictions = reject_non_fqdn_helo_hostname
smtpd_sender_restrictions = check_sender_access inline:{spam.example=REJECT}
postscreen_greet_action = enforce
postscreen_greet_wait = 1s
postscreen_dnsbl_sites =
EOF2
pf_start

# ---- the refused clients -----------------------------------------------
cat >"$T/plan" <<EOF2
# client          port            helo           sender               rcpt
127.0.0.11        $SMTPD_PORT     a.client.test  news@shop.example    bob@elsewhere.example
127.0.0.11        $SMTPD_PORT     a.client.test  news@shop.example    eve@elsewhere.example
127.0.0.12        $SMTPD_PORT     b.client.test  billing@shop.example bob@elsewhere.example
127.0.0.13        $SMTPD_PORT     c.client.test  x@blocked.example    bob@mx.triage.test
127.0.0.14        $SMTPD_PORT     nofqdn         x@helo.example       bob@mx.triage.test
127.0.0.21        $SMTPD_PORT     d.client.test  x@spam.example       bob@mx.triage.test
2001:db8:25::7    $SMTPD_PORT     e.client.test  y@six.example        bob@elsewhere.example
127.0.0.31        $SCREEN_PORT    f.client.test  z@early.example      bob@mx.triage.test    pregreet
127.0.0.1         $SMTPD_PORT     ok.client.test ok@fine.example      bob@mx.triage.test
EOF2
pf_sessions "$T/plan"
# Every session but the last was refused (postscreen's early talker only
# at RCPT, with enforce).
[ "$(grep -c ' [45][0-9][0-9]$' "$T/codes")" -eq 8 ] || { cat "$T/codes"; fail "not 8 refusals"; }
grep -q '^127.0.0.1 250$' "$T/codes" || { cat "$T/codes"; fail "the trusted client was refused"; }
# postlogd writes after the sessions: wait for the lines themselves.
rejects() { [ "$(grep -c 'reject: RCPT' "$LOG" 2>/dev/null)" -ge 8 ] && grep -q PREGREET "$LOG"; }
wait_for -v "cat '$LOG'" "the rejections in $LOG" rejects
pf_stop
# What triage reads: the log as it stands now (postfix may still add its
# stopping lines to $LOG).
cp "$LOG" "$T/m.log"
LOG=$T/m.log
echo "postfix: $(grep -c 'reject:' "$LOG") reject lines in $(wc -l <"$LOG") lines"

# ---- what covers whom --------------------------------------------------
# The configuration's static source covers .11 and .12 (relay access
# denied); the presets file's file preset covers .13 and the IPv6
# client; nothing covers .14 (helo), .21 (sender), .31 (postscreen).
conf "allow_special = yes" <<EOF2
[source dedicated]
type = static
prefixes = 127.0.0.11 127.0.0.12
[output allow]
type = text
path = $T/o/allow.txt
EOF2
printf '127.0.0.13\n2001:db8:25::/48\n' >"$T/relay.txt"
cat >"$T/presets.conf" <<EOF2
[source testrelay]
# covers: a relay of the test
type = file
path = $T/relay.txt
allow_special = yes
[source unused]
type = static
prefixes = 192.0.2.0/24
allow_special = yes
EOF2
export ALLOWSYNC_PRESETS="$T/presets.conf"

expect_exit 0 as triage "$LOG"
cp "$T/out" "$T/table"
row() { grep -Eq "$1" "$T/table" || { cat "$T/table" >&2; fail "no row /$1/"; }; }
row '^[0-9]+ lines: 9 rejections of 7 addresses, [0-9]+ other, 0 unrecognised$'
row '^source "dedicated" +3 +2 +[0-9-]+ [0-9:]+ +[0-9-]+ [0-9:]+ +shop\.example \(3\)$'
row '^preset "testrelay" +2 +2 .*blocked\.example \(1\), six\.example \(1\)$'
row '^not covered +4 +3 '
row '^127\.0\.0\.31 +2 .*pregreet 1, other 1 +early\.example \(1\)$'
row '^127\.0\.0\.14 +1 .*helo 1 +helo\.example \(1\)$'
row '^\[source testrelay\]$'
row '^preset = testrelay$'
row '^; every output takes every source'
# Two sender domains seen: the sender-scoped output is offered too.
row '^; \[output testrelay-senders\]$'
row '^; sources = testrelay$'
row '^; senders = blocked\.example six\.example$'
row '^; source "dedicated" already covers 2 refused addresses: in output "allow"'
! grep -q 'unused' "$T/table" || fail "a preset covering nothing is listed"
echo "table: ok"

expect_exit 0 as triage --json "$LOG"
cp "$T/out" "$T/plain.json"
j() { jq -e "$1" "$T/plain.json" >/dev/null || { jq . "$T/plain.json" >&2; fail "JSON: $1"; }; }
j '.rejections == 9 and .addresses == 7 and .unrecognised == 0'
j '.groups | length == 2'
j '.groups[0] | .kind == "source" and .name == "dedicated" and .rejections == 3 and .address_count == 2'
j '.groups[0].sender_domains == {"shop.example": 3}'
j '.groups[0].reasons == {"relay": 3}'
j '.groups[0].config == null'
j '[.groups[0].addresses[].address] == ["127.0.0.11", "127.0.0.12"]'
j '.groups[1] | .kind == "preset" and .name == "testrelay" and .address_count == 2'
j '.groups[1].config | test("^\\[source testrelay\\]\npreset = testrelay\n")'
j '.groups[1].config | test("\n; senders = blocked.example six.example\n$")'
j '[.groups[1].addresses[].address] | sort == ["127.0.0.13", "2001:db8:25::7"]'
j '.uncovered | .kind == "none" and .rejections == 4 and .address_count == 3'
j '.uncovered.addresses[0] | .address == "127.0.0.31" and .reasons == {"pregreet": 1, "other": 1}'
j '.uncovered.first_seen | test("^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}$")'
j '.not_checked == []'
echo "json: ok"

# ---- the same log rotated and gzip'd, and in journald's forms ----------
gzip -c "$LOG" >"$T/mail.log.1.gz"
expect_exit 0 as triage --json "$T/mail.log.1.gz"
cmp -s "$T/out" "$T/plain.json" || fail "the gzip'd log reads otherwise: $(cat "$T/out")"
expect_exit 0 as triage --json "$T/mail.log.1.gz" "$LOG"
jq -e '.rejections == 18 and .addresses == 7 and .groups[0].rejections == 6' "$T/out" >/dev/null ||
	fail "two files: $(cat "$T/out")"
# journalctl -o short is what postlogd writes ("Dec 04 20:05:56 host
# tag[pid]: msg"); -o short-iso stamps RFC 3339; -o cat keeps the message.
sed -E 's/^([A-Z][a-z]{2}) ([ 0-9][0-9]) ([0-9:]{8}) /2026-12-\2T\3+0000 /; s/-12- /-12-0/' "$LOG" >"$T/journal-iso.log"
grep -q '^2026-12-[0-9][0-9]T[0-9:]*+0000 mx postfix/smtpd' "$T/journal-iso.log" || fail "no short-iso copy"
expect_exit 0 as triage --json "$T/journal-iso.log"
jq -e '.rejections == 9 and .unrecognised == 0 and .groups[1].name == "testrelay"' "$T/out" >/dev/null ||
	fail "short-iso: $(cat "$T/out")"
sed 's/^[^]]*\]: //' "$LOG" >"$T/journal-cat.log"
expect_exit 0 as triage --json <"$T/journal-cat.log"
jq -e '.rejections == 9 and .groups[0].first_seen == null and .uncovered.address_count == 3' "$T/out" \
	>/dev/null || fail "-o cat: $(cat "$T/out")"
# Garbage among the lines: counted, not fatal.
{ cat "$LOG"; printf 'NOQUEUE: reject: RCPT from unknown[127.0.0\n\001\002\n'; } | gzip -c >"$T/garbage.gz"
expect_exit 0 as triage --json "$T/garbage.gz"
jq -e '.rejections == 9 and .unrecognised == 2' "$T/out" >/dev/null || fail "garbage: $(cat "$T/out")"
echo "forms: ok"

# ---- --no-presets, --offline, errors -----------------------------------
expect_exit 0 as triage --no-presets --json "$LOG"
jq -e '(.groups | length) == 1 and .uncovered.address_count == 5' "$T/out" >/dev/null ||
	fail "--no-presets: $(cat "$T/out")"
# Offline, before any run: no last good copy of the source (exit 3).
expect_exit 3 as triage --offline --no-presets "$LOG"
expect_grep '^; source "dedicated": not checked' "$T/out"
expect_grep 'source "dedicated": no last good copy' "$T/err"
expect_exit 0 as run
expect_exit 0 as triage --offline --json "$LOG"
jq -e '.groups[0].name == "dedicated" and .groups[0].address_count == 2' "$T/out" >/dev/null ||
	fail "--offline: $(cat "$T/out")"
expect_grep 'presets not checked (--offline' "$T/err"
expect_exit 1 as triage "$T/none.log"
expect_grep "^allowsync: error: triage: $T/none.log: No such file or directory$" "$T/err"
expect_exit 2 as triage --bogus
expect_grep '^usage: allowsync triage ' "$T/err"
echo "options: ok"
