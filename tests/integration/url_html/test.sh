#!/bin/sh
# An HTML page with status 200 (challenge page, error page) is refused as
# such, for text and for JSON sources.
. ../lib/common.sh
. ../lib/https.sh
fault_server
fault_expect "$b/feed/cloudflare-ips-v4.txt" "$b/bad/cloudflare-js-challenge.txt" 'HTML page'
fault_expect "$b/feed/cloudflare-ips-v4.txt" "$b/bad/cloudflare-blocked-sorted.txt" 'HTML page'
fault_expect "$b/feed/google-goog.json" "$b/bad/oracle-html-error.json" 'HTML page' \
	format=json 'select=$.prefixes[*].ipv4Prefix' min_prefix4=8
echo ok
