#!/bin/sh
# What spf-tools' despf.sh and postwhite do: walk an SPF tree one dig at
# a time (include, redirect, a, mx), printing every ip4/ip6 and address.
# usage: despf_walk.sh SERVER DOMAIN   (dig @SERVER)
set -u
srv=$1
walk() {
	rec=$(dig +short +tries=1 +time=2 @"$srv" "$1" TXT | grep -i '"v=spf1' | sed 's/" "//g; s/"//g')
	for t in $rec; do
		t=${t#+}
		case $t in
		ip4:*|ip6:*) echo "${t#ip?:}" ;;
		include:*) walk "${t#include:}" ;;
		redirect=*) walk "${t#redirect=}" ;;
		a) dig +short @"$srv" "$1" A; dig +short @"$srv" "$1" AAAA ;;
		a:*) dig +short @"$srv" "${t#a:}" A; dig +short @"$srv" "${t#a:}" AAAA ;;
		mx|mx:*)
			d=$1; [ "$t" = mx ] || d=${t#mx:}
			for h in $(dig +short @"$srv" "$d" MX | awk '{print $2}'); do
				dig +short @"$srv" "$h" A; dig +short @"$srv" "$h" AAAA
			done ;;
		esac
	done
}
walk "$2"
