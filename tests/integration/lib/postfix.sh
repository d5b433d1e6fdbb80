# A real Postfix for a case, after common.sh:  . ../lib/common.sh; . ../lib/postfix.sh
# pf_start starts a private instance — its configuration in $PF, its
# queue and data directories under $T, smtpd on 127.0.0.1 and [::1] port
# $SMTPD_PORT and postscreen on $SCREEN_PORT, logging through postlogd to
# $PF_LOG (no syslogd) — inside a network namespace of its own ($NS; X
# runs a command in it), whose loopback holds 127.0.0.0/8 and the IPv6
# addresses given to pf_namespace: the clients' addresses.  Stopped and
# removed when the case ends.
command -v postfix >/dev/null || skip "postfix not installed (make deps installs it)"
command -v python3 >/dev/null || skip "python3 not installed"
command -v ip >/dev/null || skip "ip (iproute2) not installed"
[ -r /etc/postfix/master.cf ] || skip "no /etc/postfix/master.cf to start from"
NS=allowsync-test-$$-$(basename "$(pwd)")
PF=$T/pf
PF_LOG=$T/mail.log
SMTPD_PORT=2525 SCREEN_PORT=2526 # inside the namespace: nothing else listens there
X() { ip netns exec "$NS" "$@"; }

# pf_namespace [IPV6_ADDRESS...]: the namespace, its loopback up.
pf_namespace() {
	ip netns add "$NS" 2>"$T/netns.err" || skip "cannot create a network namespace: $(cat "$T/netns.err")"
	at_exit "ip netns pids $NS 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del $NS 2>/dev/null || true"
	X ip link set lo up
	for a in "$@"; do X ip -6 addr add "$a/128" dev lo nodad; done
}

# pf_config: main.cf (the common lines, then those on stdin) and a
# master.cf without chroot, smtpd and postscreen on our ports.
pf_config() {
	mkdir -p "$PF" "$T/pfq" "$T/pfdata"
	chown postfix "$T/pfdata"
	# The mail_owner reaches its data_directory through $T.
	chmod 711 "$T"
	{
		cat <<EOF2
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
maillog_file = $PF_LOG
# postlogd writes only below these (default /var, /dev/stdout)
maillog_file_prefixes = $T
alias_maps =
alias_database =
local_recipient_maps =
smtpd_relay_restrictions = permit_mynetworks reject_unauth_destination
EOF2
		cat
	} >"$PF/main.cf"
	awk -v a="$SMTPD_PORT" -v b="$SCREEN_PORT" '
		/^smtp[ \t]+inet/ {
			print a "  inet  n  -  n  -  -  smtpd"
			print b "  inet  n  -  n  -  1  postscreen"
			print "smtpd  pass  -  -  n  -  -  smtpd"
			next
		}
		/^[a-z]/ && NF >= 8 && $5 == "y" { $5 = "n" }
		{ print }' /etc/postfix/master.cf >"$PF/master.cf"
	# postconf waits for a file changed within the last seconds to settle.
	age "$PF/main.cf" "$PF/master.cf"
}

pf_start() {
	X postfix -c "$PF" start >"$T/pf.out" 2>&1 || {
		cat "$T/pf.out" "$PF_LOG" 2>/dev/null || true
		fail "postfix did not start"
	}
	at_exit "ip netns exec $NS postfix -c $PF stop >/dev/null 2>&1"
}
pf_stop() { X postfix -c "$PF" stop >/dev/null 2>&1 || true; }

# pf_sessions PLAN: the SMTP sessions of PLAN (lib/smtp_clients.py), the
# code of each RCPT in $T/codes.
pf_sessions() {
	X python3 ../lib/smtp_clients.py "$1" >"$T/codes" || { cat "$T/codes" "$PF_LOG"; fail "the SMTP clients failed"; }
}
