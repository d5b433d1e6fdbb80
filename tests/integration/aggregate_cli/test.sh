#!/bin/sh
# allowsync aggregate: options, --except, errors print nothing and exit 1.
. ../lib/common.sh
printf '10.0.0.0/24\n10.0.1.0/24\n2001:db8::/33\n2001:db8:8000::/33\n::ffff:198.51.100.0/120\n' >"$T/a"
printf '10.0.0.128/25\n' >"$T/x"

"$ALLOWSYNC" aggregate "$T/a" >"$T/out"
printf '10.0.0.0/23\n198.51.100.0/24\n2001:db8::/32\n' | cmp -s - "$T/out" || { cat "$T/out"; fail "plain"; }

"$ALLOWSYNC" aggregate -4 --except "$T/x" "$T/a" >"$T/out"
printf '10.0.0.0/25\n10.0.1.0/24\n198.51.100.0/24\n' | cmp -s - "$T/out" || { cat "$T/out"; fail "-4 --except"; }

"$ALLOWSYNC" aggregate -6 <"$T/a" >"$T/out"
printf '2001:db8::/32\n' | cmp -s - "$T/out" || { cat "$T/out"; fail "-6 from stdin"; }

"$ALLOWSYNC" aggregate --ranges --except "$T/x" "$T/a" >"$T/out"
printf '10.0.0.0-10.0.0.127\n10.0.1.0-10.0.1.255\n198.51.100.0-198.51.100.255\n2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\n' | cmp -s - "$T/out" || { cat "$T/out"; fail "--ranges"; }

# Bad input anywhere: nothing on stdout, FILE:LINE: reason, exit 1.
printf '10.0.0.0/24\n10.1\n' >"$T/bad"
expect_exit 1 "$ALLOWSYNC" aggregate "$T/a" "$T/bad"
[ ! -s "$T/out" ] || fail "printed output despite bad input"
expect_grep "$T/bad:2: too few octets in \"10.1\"" "$T/err"

expect_exit 1 "$ALLOWSYNC" aggregate "$FIXTURES/bad/cloudflare-blocked-sorted.txt"
expect_grep "looks like an HTML page, not a list" "$T/err"
expect_exit 1 "$ALLOWSYNC" aggregate "$T/missing"
expect_grep "$T/missing: No such file or directory" "$T/err"
expect_exit 1 "$ALLOWSYNC" aggregate --except "$T/bad" "$T/a"
expect_grep ":2: " "$T/err"
expect_exit 2 "$ALLOWSYNC" aggregate --bogus
# Host bits: cleared with a warning naming the line.
printf '192.0.2.5/24\n' >"$T/hb"
expect_exit 0 "$ALLOWSYNC" aggregate "$T/hb"
expect_grep "192.0.2.0/24" "$T/out"
expect_grep "$T/hb:1: \"192.0.2.5/24\" has host bits set" "$T/err"
# The real feeds.
"$ALLOWSYNC" aggregate "$FIXTURES/feeds/cloudflare-ips-v4.txt" "$FIXTURES/feeds/cloudflare-ips-v6.txt" >"$T/out"
[ "$(grep -c . "$T/out")" -ge 20 ] || fail "cloudflare feeds"
echo ok
