#!/bin/sh
# A body shorter than its Content-Length (connection closed early) is
# refused as truncated, never parsed as a shorter list.
. ../lib/common.sh
. ../lib/https.sh
fault_server
fault_expect "$b/feed/cloudflare-ips-v4.txt" "$b/truncated" 'truncated body'
echo ok
