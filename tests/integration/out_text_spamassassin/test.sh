#!/bin/sh
# type = text for SpamAssassin, which reads no list file: the hook of
# docs/receivers.md (taken from the page itself, so that what it shows
# is what runs) turns the list into trusted_networks lines.  Real
# SpamAssassin (its site configuration a directory of ours, its .pre
# files the installed ones) lints the result clean, and tells a message
# relayed by a listed address (ALL_TRUSTED) from one relayed by another.
. ../lib/pipe.sh
command -v spamassassin >/dev/null || skip "spamassassin not installed (make deps installs it)"
[ -f /etc/spamassassin/init.pre ] || skip "no /etc/spamassassin/*.pre (the plugins SpamAssassin loads)"
repo=$(cd ../../.. && pwd)

# The script, as docs/receivers.md shows it.
sed -n '/^```sh$/,/^```$/p' "$repo/docs/receivers.md" |
	awk '/^```sh$/ { s = ""; next } /^```$/ { if (s ~ /allowsync-sa LIST/) printf "%s", s; s = ""; next } { s = s $0 "\n" }' \
		>"$T/allowsync-sa"
grep -q '^#!/bin/sh' "$T/allowsync-sa" || fail "no allowsync-sa script found in docs/receivers.md"
chmod +x "$T/allowsync-sa"

site=$T/site
mkdir -p "$site"
cp /etc/spamassassin/*.pre "$site/"
printf '192.0.2.0/25\n192.0.2.128/25\n2001:db8::/32\n198.51.100.7\n' >"$T/list"
conf "allow_special = yes" <<CONF
[source list]
type = file
path = $T/list

[output spamassassin]
type = text
path = $T/o/sa-relays.txt
on_change = $T/allowsync-sa $T/o/sa-relays.txt $site/allowsync-trusted.cf
CONF
expect_exit 0 as run
cf=$site/allowsync-trusted.cf
[ -s "$cf" ] || fail "the hook wrote no $cf"
cat "$cf"
[ "$(grep -cv '^trusted_networks [0-9a-f.:]*/[0-9]*$' "$cf")" = 0 ] || fail "a line that is not trusted_networks CIDR"
expect_grep '^trusted_networks 192.0.2.0/24$' "$cf"
expect_grep '^trusted_networks 2001:db8::/32$' "$cf"

sa() { spamassassin --siteconfigpath="$site" "$@"; }
sa --lint >"$T/lint" 2>&1 || { cat "$T/lint"; fail "spamassassin --lint"; }
# --lint exits 0 even on lines it ignores: its warnings are the check.
[ ! -s "$T/lint" ] || { cat "$T/lint"; fail "spamassassin --lint warned"; }

# One relay, straight to us: trusted exactly when listed.
message() {
	printf 'Received: from relay.example (relay.example [%s])\n' "$1"
	printf '\tby mx.example with ESMTP id 1; Fri, 4 Dec 2026 04:00:00 +0000\n'
	printf 'From: a@example.org\nTo: b@example.com\nSubject: t\n'
	printf 'Message-ID: <allowsync-test-1@example.org>\nDate: Fri, 4 Dec 2026 04:00:00 +0000\n\nhello\n'
}
for relay in 192.0.2.200 198.51.100.7 IPv6:2001:db8::25 198.51.100.8 2001:db9::1; do
	message "$relay" | sa -L -t >"$T/scored" 2>"$T/sa.err" || true
	grep -q '^X-Spam-Status:' "$T/scored" || { cat "$T/sa.err"; fail "spamassassin scored nothing"; }
	case $relay in
	192.0.2.* | 198.51.100.7 | IPv6:2001:db8::*) want=yes ;;
	*) want=no ;;
	esac
	got=no
	grep -q '^X-Spam-Status:.*ALL_TRUSTED' "$T/scored" && got=yes
	[ "$got" = "$want" ] || { grep '^X-Spam-Status' "$T/scored"; fail "relay $relay: ALL_TRUSTED $got, wanted $want"; }
	echo "relay $relay: ALL_TRUSTED $got"
done
echo ok
