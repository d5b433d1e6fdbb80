#!/bin/sh
# Selector drift: the publisher renamed a key.  The document is refused
# (selector matched nothing), never read as an empty list; values that are
# not addresses (GitHub's SSH keys) are refused with their JSONPath.
. ../lib/common.sh
. ../lib/https.sh
fault_server
fault_expect "$b/feed/aws-ip-ranges.json" "$b/drift" \
	'selector "\$\.prefixes\[\*\]\.ip_prefix" matched nothing' \
	format=json 'select=$.prefixes[*].ip_prefix' min_prefix4=8
# GitHub meta mixes CIDR arrays with SSH keys: selecting those refuses.
# (Another URL and selector: the copy kept above is another origin's, so
# nothing serves and the output fails.)
url_conf "$b/feed/github-meta.json" format=json 'select=$.ssh_keys[*]' min_prefix4=8
expect_exit 1 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep "\$\['ssh_keys'\]\[0\] is not an address" "$T/err"
expect_grep 'origin changed (select, url): no last good copy for it$' "$T/err"
echo ok
