#!/bin/sh
# DNS failure: in a network namespace of its own (no route to any
# resolver, nothing leaves the machine) a host name cannot be resolved;
# the message names the URL and says DNS.  Nothing was good before, so
# the output fails (exit 1) and is not created.
. ../lib/common.sh
command -v unshare >/dev/null || skip "unshare not available"
unshare -n true 2>/dev/null || skip "cannot create a network namespace (needs root)"
mkdir -p "$T/o"
conf_file "$T/a.conf" "$T/state" "timeout = 5" <<EOC
[source feed]
type = url
url = https://ranges.allowsync-test.invalid/ips-v4

[output list]
type = text
path = $T/o/list.txt
EOC
expect_exit 1 unshare -n "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep 'source "feed": https://ranges.allowsync-test.invalid/ips-v4: DNS: ' "$T/err"
[ ! -e "$T/o/list.txt" ] || fail "output created without data"
echo ok
