#!/bin/sh
# max_body caps the body after decoding: a large announced body, an
# endless one and a gzip bomb (64 MiB of newlines in ~64 KiB) all fail
# cleanly with the cap named; memory stays bounded.
. ../lib/common.sh
. ../lib/https.sh
fault_server
good=$b/feed/cloudflare-ips-v4.txt
fault_expect "$good" "$b/big?mb=2" 'body larger than max_body \(1M' max_body=1M
fault_expect "$good" "$b/endless" 'body larger than max_body \(1M\)' max_body=1M
fault_expect "$good" "$b/gzbomb?mb=64" 'body larger than max_body \(1M\)' max_body=1M
echo ok
