#!/bin/sh
# Records what the real postconf prints for each case below, for
# test_postfix_use (run from this directory with Postfix installed; the
# recordings are committed, the tests never run postconf).  Each NAME.txt
# holds four views, each after a "# postconf ARGS" line: -n -x, -n,
# -P -x, -P (see postconf.h).
#
# Usage: sh record.sh   (rewrites every NAME.txt)
set -eu
T=/etc/postfix/allowsync/relays.cidr
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# case NAME MASTER_LINES MAIN_SETTING...
case_() {
	name=$1 master=$2; shift 2
	d=$tmp/$name
	mkdir -p "$d"
	: >"$d/main.cf"
	cp /etc/postfix/master.cf "$d/master.cf"
	[ -z "$master" ] || printf '%s\n' "$master" >>"$d/master.cf"
	[ $# -eq 0 ] || postconf -c "$d" -e "$@"
	{
		for args in "-n -x" "-n" "-P -x" "-P"; do
			echo "# postconf $args"
			# config_directory names the recording's scratch directory.
			postconf -c "$d" $args 2>/dev/null | grep -v '^config_directory = '
		done
	} >"$name.txt"
}

case_ mynetworks_via "" \
	"my_relays = cidr:$T" 'mynetworks = 127.0.0.0/8 [::1]/128 $my_relays'
case_ relay_restrictions "" \
	"smtpd_relay_restrictions = permit_mynetworks, check_client_access cidr:$T, reject_unauth_destination"
case_ recipient_before "" \
	"smtpd_relay_restrictions =" \
	"smtpd_recipient_restrictions = permit_mynetworks, check_client_access cidr:$T, reject_unauth_destination"
case_ recipient_after "" \
	"smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_client_access cidr:$T"
case_ recipient_warn "" \
	"smtpd_relay_restrictions =" \
	"smtpd_recipient_restrictions = warn_if_reject reject_unauth_destination, cidr:$T, reject_unauth_destination"
case_ safe "" \
	"postscreen_access_list = permit_mynetworks, cidr:$T" \
	"smtpd_client_restrictions = permit_mynetworks, check_client_access proxy:cidr:$T, reject_rbl_client zen.example" \
	"smtpd_helo_restrictions = check_client_access hash:$T"
case_ class "" \
	"smtpd_restriction_classes = trusted" \
	"trusted = check_client_access cidr:$T" \
	"smtpd_relay_restrictions = permit_mynetworks, trusted, reject_unauth_destination"
case_ master "submission inet n - y - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_relay_restrictions=\$mua_relay,reject
  -o mynetworks=\${mua_nets?{\$mua_nets}:{10.0.0.0/8}}" \
	"mua_relay = permit_sasl_authenticated, check_client_access cidr:$T" \
	"mua_nets = cidr:$T"
case_ xclient "" \
	"smtpd_authorized_xclient_hosts = cidr:$T"
case_ none "" \
	"mynetworks = 127.0.0.0/8" \
	"postscreen_access_list = permit_mynetworks, cidr:/etc/postfix/other.cidr"
