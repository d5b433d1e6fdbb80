#!/bin/sh
# TLS verification is always on: a certificate for another name, and one
# from a CA that is not trusted, are refused with the verification text.
. ../lib/common.sh
. ../lib/https.sh
https_certs "$T/ca"
fault_start; p1=$port
fault_start wrong; p2=$port
fault_start rogue; p3=$port
good=https://localhost:$p1/feed/cloudflare-ips-v4.txt
fault_expect "$good" "https://localhost:$p2/feed/cloudflare-ips-v4.txt" \
	'TLS certificate verification failed: .*(subject name|does not match|match)'
fault_expect "$good" "https://localhost:$p3/feed/cloudflare-ips-v4.txt" \
	'TLS certificate verification failed: .*(local issuer|unable to get)'
# Without ca_file the throwaway CA is not trusted either.
sed -i '/^ca_file/d' "$T/a.conf"
fault_switch "$good"   # the same URL (and origin: ca_file is no part of it)
expect_exit 3 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep 'TLS certificate verification failed' "$T/err"
echo ok
