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
command -v postfix >/dev/null || skip "postfix not installed (make deps installs it)"
command -v python3 >/dev/null || skip "python3 not installed"
command -v jq >/dev/null || skip "jq not installed"
command -v ip >/dev/null || skip "ip (iproute2) not installed"
[ -r /etc/postfix/master.cf ] || skip "no /etc/postfix/master.cf to start from"
NS=allowsync-test-$$-triage
ip netns add "$NS" 2>"$T/netns.err" || skip "cannot create a network namespace: $(cat "$T/netns.err")"
at_exit "ip netns pids $NS 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del $NS 2>/dev/null || true"
X() { ip netns exec "$NS" "$@"; }
X ip link set lo up
# Client addresses: 127.0.0.0/8 is the loopback's already; one IPv6 more.
X ip -6 addr add 2001:db8:25::7/128 dev lo nodad

# ---- a private Postfix: main.cf, a master.cf without chroot ----------
PF=$T/pf
LOG=$T/mail.log
mkdir -p "$PF" "$T/pfq" "$T/pfdata"
chown postfix "$T/pfdata"
SMTPD_PORT=2525 SCREEN_PORT=2526   # inside the namespace: nothing else listens there
cat >"$PF/main.cf" <<EOF2
compatibility_level = 3.6
queue_directory = $T/pfq
data_directory = $T/pfdata
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.triage.test
mydestination = mx.triage.test
inet_interfaces = 127.0.0.1, [::1]
inet_protocols = all
mynetworks = 127.0.0.1/32
maillog_file = $LOG
alias_maps =
alias_database =
local_recipient_maps =
smtpd_helo_required = yes
smtpd_client_restrictions = check_client_access inline:{127.0.0.13=REJECT}
smtpd_helo_restrictions = reject_non_fqdn_helo_hostname
smtpd_sender_restrictions = check_sender_access inline:{spam.example=REJECT}
smtpd_relay_restrictions = permit_mynetworks reject_unauth_destination
postscreen_greet_action = enforce
postscreen_greet_wait = 1s
postscreen_dnsbl_sites =
EOF2
# Postfix's own services, smtpd and postscreen on our ports instead of 25.
awk -v a="$SMTPD_PORT" -v b="$SCREEN_PORT" '
	/^smtp[ \t]+inet/ {
		print a "  inet  n  -  n  -  -  smtpd"
		print b "  inet  n  -  n  -  1  postscreen"
		print "smtpd  pass  -  -  n  -  -  smtpd"
		next
	}
	/^[a-z]/ && NF >= 8 && $5 == "y" { $5 = "n" }
	{ print }' /etc/postfix/master.cf >"$PF/master.cf"
X postfix -c "$PF" start >"$T/pf.out" 2>&1 || { cat "$T/pf.out" "$LOG" 2>/dev/null || true; fail "postfix did not start"; }
at_exit "ip netns exec $NS postfix -c $PF stop >/dev/null 2>&1"

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
X python3 ./smtp_clients.py "$T/plan" >"$T/codes" || { cat "$T/codes" "$LOG"; fail "the SMTP clients failed"; }
# Every session but the last was refused (postscreen's early talker only
# at RCPT, with enforce).
[ "$(grep -c ' [45][0-9][0-9]$' "$T/codes")" -eq 8 ] || { cat "$T/codes"; fail "not 8 refusals"; }
grep -q '^127.0.0.1 250$' "$T/codes" || { cat "$T/codes"; fail "the trusted client was refused"; }
# postlogd writes after the sessions: wait for the lines themselves.
rejects() { [ "$(grep -c 'reject: RCPT' "$LOG" 2>/dev/null)" -ge 8 ] && grep -q PREGREET "$LOG"; }
wait_for -v "cat '$LOG'" "the rejections in $LOG" rejects
X postfix -c "$PF" stop >/dev/null 2>&1 || true
cp "$LOG" "$T/o/mail.log.captured"
echo "postfix: $(grep -c 'reject:' "$LOG") reject lines, $(wc -l <"$LOG") lines"
cat "$LOG" >/tmp/i20/captured.log
