#!/bin/sh
# Configuration checks of url sources (and the document keys of file
# sources): refused by `check` with FILE:LINE and exit 2, before anything
# is fetched.
. ../lib/common.sh

conf() {
	{
		printf '[source s]\n'
		for kv in "$@"; do printf '%s\n' "$kv"; done
		printf '\n[output o]\ntype = text\npath = %s\n' "$T/o.txt"
	} | conf_file "$T/a.conf" "$T/state" ""
}
refused() {
	msg=$1; shift
	conf "$@"
	expect_exit 2 "$ALLOWSYNC" -c "$T/a.conf" check
	grep -qF -- "$msg" "$T/err" || { cat "$T/err" >&2; fail "no \"$msg\""; }
}

refused 'a.conf:6: [source s] url = http://example.com/x: only https:// URLs are fetched' \
	'type = url' 'url = http://example.com/x'
refused 'only https:// URLs' 'type = url' 'url = ftp://example.com/x'
refused 'only https:// URLs' 'type = url' 'url = https://example.com/a b'
refused 'a.conf:8: [source s] select = $.a[: at character 5' \
	'type = url' 'url = https://example.com/x' 'select = $.a[*]' 'select = $.a['
refused 'select needs format = json' 'type = url' 'url = https://example.com/x' \
	'format = text' 'select = $.a[*]'
refused 'format = json needs at least one select' 'type = url' \
	'url = https://example.com/x' 'format = json'
refused 'format = yaml: not text' 'type = url' 'url = https://example.com/x' 'format = yaml'
refused 'sha256 = 1234: not 64 hex digits' 'type = url' 'url = https://example.com/x' \
	'sha256 = 1234'
refused 'refresh = soon' 'type = url' 'url = https://example.com/x' 'refresh = soon'
refused 'unknown key' 'type = url' 'url = https://example.com/x' 'selector = $.a'
refused 'select = $[?@.a == 1 == 2]' 'type = file' "path = $T/x.json" 'select = $[?@.a == 1 == 2]'

conf 'type = url' 'url = https://example.com/x.json' 'select = $.prefixes[?@.service==\x27EMAIL\x27].ip' \
	'refresh = 1h' 'proxy = http://127.0.0.1:3128' \
	'sha256 = d5989c97797af5fec2e4ebc76b27e7148787b8ad044b1ef21af279360d9d0a77'
sed -i "s/\\\\x27/'/g" "$T/a.conf"
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" check
echo ok
