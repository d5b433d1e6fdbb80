#!/bin/sh
# url source against real nginx over HTTPS (throwaway CA): the first run
# fetches (200), writes the output and runs the hook; the second sends
# If-None-Match/If-Modified-Since, gets 304, rewrites nothing, runs no
# hook.  A changed document is fetched again.  Proxies in the
# environment are ignored throughout (they point at a dead port).
. ../lib/common.sh
. ../lib/https.sh

https_certs "$T/ca"
mkdir -p "$T/www"
cp "$FIXTURES/feeds/aws-ip-ranges.json" "$FIXTURES/feeds/cloudflare-ips-v4.txt" "$T/www/"
# nginx's ETag and Last-Modified come from the mtime: the documents get
# theirs explicitly, and a change a new one, not whatever second it is.
stamp=$(($(date +%s) - 1000))
touch -d "@$stamp" "$T/www/aws-ip-ranges.json" "$T/www/cloudflare-ips-v4.txt"
nginx_start "$T/www"   # sets port

cat >"$T/hook.sh" <<EOH
#!/bin/sh
echo ran >>"$T/hook.log"
EOH
chmod +x "$T/hook.sh"
conf_file "$T/a.conf" "$T/state" "ca_file = $T/ca/ca.pem" "timeout = 10" <<EOC
[source aws]
type = url
url = https://localhost:$port/aws-ip-ranges.json
format = json
select = \$.prefixes[?@.service=='ROUTE53_HEALTHCHECKS'].ip_prefix
select = \$.ipv6_prefixes[?@.service=='ROUTE53_HEALTHCHECKS'].ipv6_prefix

[source cf]
type = url
url = https://127.0.0.1:$port/cloudflare-ips-v4.txt
format = text

[output list]
type = text
path = $T/o/list.txt
on_change = $T/hook.sh
EOC
mkdir -p "$T/o"
dead_port
export https_proxy=http://127.0.0.1:$dead HTTPS_PROXY=http://127.0.0.1:$dead
export ALL_PROXY=http://127.0.0.1:$dead all_proxy=http://127.0.0.1:$dead NO_PROXY=

expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
[ -s "$T/o/list.txt" ] || fail "no output written"
expect_grep '^54.243.31.192/26$' "$T/o/list.txt"    # ROUTE53_HEALTHCHECKS IPv4
expect_grep '^173.245.48.0/20$' "$T/o/list.txt"     # cloudflare
[ "$(wc -l <"$T/hook.log")" -eq 1 ] || fail "hook did not run once on the first run"
log=$T/nginx-$port/access.log
expect_grep "GET /aws-ip-ranges.json 200 ua=\[allowsync/" "$log"
# Dated far back: a rewrite, however soon, would show in the mtime.
age "$T/o/list.txt"
ino1=$(stat -c %i:%Y "$T/o/list.txt")

expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
[ "$(grep -c 'GET /aws-ip-ranges.json 304' "$log")" -eq 1 ] || { cat "$log"; fail "second run did not get 304"; }
[ "$(grep -c 'GET /cloudflare-ips-v4.txt 304' "$log")" -eq 1 ] || { cat "$log"; fail "text source did not get 304"; }
grep 'GET /aws-ip-ranges.json 304' "$log" | grep -vq 'inm=\[-\]' || { cat "$log"; fail "no If-None-Match sent"; }
grep 'GET /aws-ip-ranges.json 304' "$log" | grep -q 'ims=\[[A-Z][a-z][a-z], ' || fail "no If-Modified-Since sent"
[ "$(stat -c %i:%Y "$T/o/list.txt")" = "$ino1" ] || fail "output rewritten on 304"
[ "$(wc -l <"$T/hook.log")" -eq 1 ] || fail "hook ran on 304"

# The publisher changes the document: fetched again, output changes, hook runs.
printf "\n5.9.0.0/16\n" >>"$T/www/cloudflare-ips-v4.txt"   # the fixture ends without a newline
touch -d "@$((stamp + 100))" "$T/www/cloudflare-ips-v4.txt"
expect_exit 0 "$ALLOWSYNC" -c "$T/a.conf" run
expect_grep '^5.9.0.0/16$' "$T/o/list.txt"
[ "$(wc -l <"$T/hook.log")" -eq 2 ] || fail "hook did not run after a change"
echo ok
