#!/bin/sh
# A last good copy belongs to the origin that produced it, url sources
# against real nginx:
# - url changed to a broken one (404): the old URL's copy does not serve
#   (exit 1, "origin changed (url)"), the output stays as it was, status
#   says why; a new URL that delivers is applied;
# - select changed on an unchanged document (304) to one that yields
#   nothing acceptable: refused, and the old selector's copy does not
#   serve ("origin changed (select)"); the selectors back: the copy is
#   theirs, and the 304 is "not modified" again (exit 0).
. ../lib/common.sh
. ../lib/https.sh

https_certs "$T/ca"
mkdir -p "$T/www"
printf '5.9.0.0/16\n' >"$T/www/list.txt"
printf '5.9.0.0/16\n6.6.6.0/24\n' >"$T/www/list2.txt"
cp "$FIXTURES/feeds/google-goog.json" "$T/www/goog.json"
stamp=$(($(date +%s) - 1000))
touch -d "@$stamp" "$T/www/list.txt" "$T/www/list2.txt" "$T/www/goog.json"
nginx_start "$T/www"   # sets port
log=$T/nginx-$port/access.log
b=https://localhost:$port
count() { grep -c "GET $1 $2" "$log" || true; }
sig() { stat -c '%i %y' "$1"; }
as() { "$ALLOWSYNC" -c "$T/a.conf" "$@"; }

# 1. url.
url_conf "$b/list.txt"
expect_exit 0 as run
expect_grep '^5.9.0.0/16$' "$T/o/list.txt"
t0=$(sig "$T/o/list.txt")
url_conf "$b/gone.txt"
expect_exit 1 as run
expect_grep "^allowsync: error: source \"feed\": $b/gone.txt: HTTP 404 Not Found; origin changed (url): no last good copy for it$" "$T/err"
expect_grep 'output "list": sources: source "feed" has no usable data: left unchanged' "$T/err"
[ "$(sig "$T/o/list.txt")" = "$t0" ] || fail "output changed with the url"
expect_exit 0 as status
expect_grep "^source \"feed\" (url): .*, last good copy .* ago, 1 entry from $b/list.txt (not served: origin changed (url): no last good copy for it); last error" "$T/out"
url_conf "$b/list2.txt"
expect_exit 0 as run
expect_grep '^6.6.6.0/24$' "$T/o/list.txt"
expect_exit 0 as status
expect_grep "^source \"feed\" (url): .*, last good copy .* ago, 2 entries from $b/list2.txt$" "$T/out"

# 2. select, on a document the server does not send again (304).
rm -rf "$T/state" "$T/o"
v6='select=$.prefixes[*].ipv6Prefix'
url_conf "$b/goog.json" format=json "$v6"
expect_exit 0 as run
t0=$(sig "$T/o/list.txt")
# A selector that finds nothing: the document yields no prefixes.
url_conf "$b/goog.json" format=json "$v6" 'select=$.nothing[*].here'
expect_exit 1 as run
[ "$(count /goog.json 304)" -eq 1 ] || { cat "$log"; fail "no 304 for the unchanged document"; }
expect_grep '^allowsync: error: source "feed": .*; origin changed (select): no last good copy for it$' "$T/err"
[ "$(sig "$T/o/list.txt")" = "$t0" ] || fail "output changed with the selectors"
expect_exit 0 as status
expect_grep '(not served: origin changed (select): no last good copy for it)' "$T/out"
# The selectors as they were: their copy, from this very document.
url_conf "$b/goog.json" format=json "$v6"
expect_exit 0 as -v run
[ "$(count /goog.json 304)" -eq 2 ] || { cat "$log"; fail "no second 304"; }
expect_grep 'source "feed": not modified' "$T/err"
expect_exit 0 as status
grep -q 'not served' "$T/out" && { cat "$T/out"; fail "the copy is not served"; }
echo "ok   origin_url"
