#!/bin/sh
# Postfix safety: a postfix output whose table Postfix's configuration
# uses to grant relaying (mynetworks, an OK in smtpd_relay_restrictions,
# one before reject_unauth_destination in smtpd_recipient_restrictions,
# a master.cf -o override) is refused by check (exit 2) and left unwritten
# by run (exit 1, the other outputs written); postscreen_access_list and
# smtpd_client_restrictions pass; allow_relay = yes passes with a warning.
# The configuration is read with the real postconf, from a private
# configuration directory (postfix_config_dir, or MAIL_CONFIG).
. ../lib/pipe.sh
command -v postconf >/dev/null || skip "postconf not installed (make deps installs postfix)"
[ -r /etc/postfix/master.cf ] || skip "no /etc/postfix/master.cf to start from"

PF=$T/pf
TABLE=$T/o/relays.cidr
mkdir -p "$PF"
# pf_reset: an empty main.cf, Postfix's own master.cf.  Both are given
# an old mtime after every change: postconf waits for a file changed
# within the last seconds to settle.
pf_reset() {
	: >"$PF/main.cf"
	cp /etc/postfix/master.cf "$PF/master.cf"
	age "$PF/main.cf" "$PF/master.cf"
}
pf() { postconf -c "$PF" -e "$@" && age "$PF/main.cf"; }

# config [KEY = VALUE...]: output "relays" (the table; its
# postfix_config_dir is $PFDIR, default $PF, none: no such key) and
# "plain" (a text list, which no Postfix setting concerns).  The KEYs
# start at line 11.
config() {
	{
		cat <<EOF2
[source s]
type = static
prefixes = 192.0.2.0/24 2001:db8::/32
[output relays]
type = postfix
path = $TABLE
EOF2
		dir=${PFDIR:-$PF}
		if [ "$dir" = none ]; then echo "; no postfix_config_dir"; else echo "postfix_config_dir = $dir"; fi
		for l in "$@"; do printf '%s\n' "$l"; done
		cat <<EOF2
[output plain]
type = text
path = $T/o/plain.txt
EOF2
	} | conf "allow_special = yes"
}

# refused WHAT PATTERN: check exits 2 naming the output, the parameter
# and the reason in one line; run leaves the table unwritten, writes the
# other output and exits 1.
refused() {
	rm -f "$TABLE" "$T/o/plain.txt"
	expect_exit 2 as check
	expect_grep "^allowsync: error: output \"relays\": refused: $2" "$T/err"
	[ "$(grep -c 'refused' "$T/err")" -eq 1 ] || fail "$1: one line wanted: $(cat "$T/err")"
	! grep -q ': OK:' "$T/out" || fail "$1: check said OK"
	expect_exit 1 as run
	expect_grep "output \"relays\": refused: $2.*: left unchanged" "$T/err"
	[ ! -e "$TABLE" ] || fail "$1: the table was written"
	[ -s "$T/o/plain.txt" ] || fail "$1: the other output was not written"
	temps "$T/o" | grep -q . && fail "$1: temporary files left: $(temps "$T/o")"
	echo "refused: $1"
}

# passes WHAT: check and run succeed, the table is written; what
# check -v said is in $T/check.err.
passes() {
	rm -f "$TABLE"
	expect_exit 0 as -v check
	expect_grep ': OK: 1 source, 2 outputs' "$T/out"
	! grep -q 'error:' "$T/err" || fail "$1: $(cat "$T/err")"
	cp "$T/err" "$T/check.err"
	expect_exit 0 as run
	[ -s "$TABLE" ] || fail "$1: the table was not written"
	echo "passes: $1"
}

# -- mynetworks, directly and through $name
pf_reset
pf "mynetworks = 127.0.0.0/8 [::1]/128 cidr:$TABLE"
config
refused "mynetworks" "$PF/main.cf: mynetworks names cidr:$TABLE: every address in the table counts as this server's own network.*open relay for every customer of a shared relay; use the table in smtpd_client_restrictions instead (allowsync show relays --postfix), or set allow_relay = yes"
# Whatever the result: mynetworks reads none.
config "result = REJECT"
refused "mynetworks, result REJECT" "$PF/main.cf: mynetworks names"
pf_reset
pf "trusted_relays = cidr:$TABLE" 'mynetworks = 127.0.0.0/8 $trusted_relays'
config
refused "mynetworks through \$trusted_relays" "$PF/main.cf: mynetworks names cidr:$TABLE through \\\$trusted_relays"

# -- OK in smtpd_relay_restrictions; a result that does not permit passes
pf_reset
pf "smtpd_relay_restrictions = permit_mynetworks, check_client_access cidr:$TABLE, reject_unauth_destination"
config
refused "smtpd_relay_restrictions" "$PF/main.cf: smtpd_relay_restrictions names cidr:$TABLE: a lookup whose result permits, in the list that decides relaying"
config "result = permit"
refused "smtpd_relay_restrictions, result permit" "$PF/main.cf: smtpd_relay_restrictions names"
config "result = REJECT not from here"
passes "smtpd_relay_restrictions, result REJECT"
grep -q "	REJECT not from here$" "$TABLE" || fail "result not written"

# -- before reject_unauth_destination in smtpd_recipient_restrictions
pf_reset
pf "smtpd_relay_restrictions =" \
	"smtpd_recipient_restrictions = permit_mynetworks, check_client_access cidr:$TABLE, reject_unauth_destination"
config
refused "smtpd_recipient_restrictions" "$PF/main.cf: smtpd_recipient_restrictions names cidr:$TABLE: a lookup whose result permits, before reject_unauth_destination"
# After it: only mail for this server's own domains reaches the lookup.
pf "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_client_access cidr:$TABLE"
passes "after reject_unauth_destination"

# -- a master.cf -o override
pf_reset
cat >>"$PF/master.cf" <<EOF2
submission inet n - y - - smtpd
  -o syslog_name=postfix/submission
  -o mynetworks=127.0.0.0/8,cidr:$TABLE
EOF2
age "$PF/master.cf"
config
refused "master.cf -o mynetworks" "$PF/master.cf: submission/inet/mynetworks names cidr:$TABLE"

# -- the safe uses pass
pf_reset
pf "postscreen_access_list = permit_mynetworks, cidr:$TABLE"
config "use = postscreen"
passes "postscreen_access_list"
grep -q "^192.0.2.0/24	permit$" "$TABLE" || fail "use = postscreen: not permit"
expect_grep "postscreen_access_list names cidr:$TABLE: postscreen allowlist: passes" "$T/check.err"
# OK is no postscreen result: a warning, not a refusal.
config
passes "postscreen_access_list, result OK"
expect_exit 0 as check
expect_grep "warning: output \"relays\": $PF/main.cf: postscreen_access_list names cidr:$TABLE: postscreen knows only permit, dunno and reject" "$T/err"
pf_reset
pf "smtpd_client_restrictions = permit_mynetworks, check_client_access cidr:$TABLE, reject_rbl_client zen.example"
config
passes "smtpd_client_restrictions"
expect_grep "smtpd_client_restrictions names cidr:$TABLE: no relay permission: passes" "$T/check.err"

# -- allow_relay = yes: written, with a warning
pf_reset
pf "mynetworks = 127.0.0.0/8 cidr:$TABLE"
config "allow_relay = yes"
rm -f "$TABLE"
expect_exit 0 as check
expect_grep "warning: output \"relays\": $PF/main.cf: mynetworks names cidr:$TABLE: .*(allow_relay = yes: written anyway)" "$T/err"
expect_exit 0 as run
expect_grep "allow_relay = yes: written anyway" "$T/err"
[ -s "$TABLE" ] || fail "allow_relay = yes: the table was not written"
echo "passes with a warning: allow_relay = yes"

# -- MAIL_CONFIG, as Postfix's own commands honour it; postfix_config_dir
# wins over it
PFDIR=none config
expect_exit 0 env -u MAIL_CONFIG "$ALLOWSYNC" -c "$C" check
expect_exit 2 env MAIL_CONFIG="$PF" "$ALLOWSYNC" -c "$C" check
expect_grep "refused: $PF/main.cf: mynetworks names cidr:$TABLE" "$T/err"
mkdir -p "$T/pf2"
: >"$T/pf2/main.cf"
age "$T/pf2/main.cf"
PFDIR=$T/pf2 config
expect_exit 0 env MAIL_CONFIG="$PF" "$ALLOWSYNC" -c "$C" check
echo "MAIL_CONFIG honoured"

# -- unreadable, or no Postfix at all: -v says so, nothing fails
PFDIR=$T/nowhere config
expect_exit 0 as -v check
expect_grep "output \"relays\": Postfix's configuration not inspected: postconf -c $T/nowhere -n -x: .*postconf exited with status 1: postconf: fatal: .*$T/nowhere/main.cf" "$T/err"
expect_grep ': OK:' "$T/out"
config
mkdir -p "$T/nopf"
expect_exit 0 env PATH="$T/nopf" "$ALLOWSYNC" -c "$C" -v check
expect_grep "output \"relays\": no postconf on PATH (Postfix not installed?): Postfix's configuration not inspected" "$T/err"
expect_grep ': OK:' "$T/out"
expect_exit 0 env PATH="$T/nopf" "$ALLOWSYNC" -c "$C" check
[ ! -s "$T/err" ] || fail "without -v: $(cat "$T/err")"
echo "no postconf, unreadable configuration: noted at -v, passes"

# -- a result the use does not accept: the valid words
config "result = accept"
expect_exit 2 as check
expect_grep "$C:11: \[output relays\] result = \"accept\": not an access(5) action (use = access); valid: OK, DUNNO, REJECT \[text\], DEFER \[text\], DEFER_IF_REJECT \[text\], DEFER_IF_PERMIT \[text\], 4NN text, 5NN text" "$T/err"
config "use = postscreen" "result = OK"
expect_exit 2 as check
expect_grep "result = \"OK\": not a postscreen_access_list action (use = postscreen); valid: permit, dunno, reject" "$T/err"
echo "refused: results the use does not accept"

# -- show --postfix: pasted with postconf -e, read back, and then it passes
for use in postscreen access; do
	pf_reset
	pf "mynetworks = 127.0.0.0/8 cidr:$TABLE"
	config "use = $use"
	expect_exit 0 as show relays --postfix
	line=$(cat "$T/out")
	[ "$(wc -l <"$T/out")" -eq 1 ] || fail "show --postfix: $(cat "$T/out")"
	case $use in
	postscreen) want="postscreen_access_list = permit_mynetworks, cidr:$TABLE" ;;
	access) want="smtpd_client_restrictions = check_client_access cidr:$TABLE" ;;
	esac
	[ "$line" = "$want" ] || fail "show --postfix: \"$line\", wanted \"$want\""
	pf "$line" "mynetworks = 127.0.0.0/8"
	name=${line%% = *}
	[ "$(postconf -c "$PF" -n "$name")" = "$line" ] || fail "read back: $(postconf -c "$PF" -n "$name")"
	passes "show --postfix ($use), pasted"
	# What main.cf holds now is kept.
	expect_exit 0 as show relays --postfix
	[ "$(cat "$T/out")" = "$line" ] || fail "shown again: $(cat "$T/out")"
done
pf "smtpd_client_restrictions = reject_rbl_client zen.example"
expect_exit 0 as show relays --postfix
[ "$(cat "$T/out")" = "smtpd_client_restrictions = check_client_access cidr:$TABLE, reject_rbl_client zen.example" ] ||
	fail "kept: $(cat "$T/out")"
expect_exit 2 as show plain --postfix
expect_grep 'output "plain": show --postfix: type = text, not postfix' "$T/err"
expect_exit 2 as show --postfix
echo "show --postfix"
