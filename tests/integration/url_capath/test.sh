#!/bin/sh
# Without ca_file, trust comes from the system's hashed CA directory
# (cheap: only the issuer is loaded) and, failing that, from the system
# bundle.  Run in a private mount namespace where /etc/ssl/certs is a
# directory of our making:
#   1. the test CA hashed in the directory, an empty bundle: trusted;
#   2. the test CA only in the bundle (not hashed): trusted on the retry;
#   3. neither (another CA in the bundle): refused, TLS verification named.
. ../lib/common.sh
. ../lib/https.sh
command -v unshare >/dev/null || skip "unshare not available"
unshare -m --propagation private true 2>/dev/null || skip "cannot create a mount namespace (needs root)"
certs=$(curl-config --ca 2>/dev/null | xargs dirname 2>/dev/null || echo /etc/ssl/certs)
[ -d "$certs" ] || skip "no system CA directory"
fault_server
url_conf "https://localhost:$port/feed/cloudflare-ips-v4.txt"
sed -i '/^ca_file/d' "$T/a.conf"

run_with() { # DIR EXPECTED-EXIT
	expect_exit "$2" unshare -m --propagation private sh -c \
		"mount --bind '$1' '$certs' && exec '$ALLOWSYNC' -c '$T/a.conf' run"
}

mkdir -p "$T/d1" "$T/d2" "$T/d3"
cp "$T/ca/ca.pem" "$T/d1/allowsync-test.pem"
openssl rehash "$T/d1" 2>/dev/null || c_rehash "$T/d1" >/dev/null
: >"$T/d1/ca-certificates.crt"
run_with "$T/d1" 0
expect_grep '^173.245.48.0/20$' "$T/o/list.txt"

cp "$T/ca/ca.pem" "$T/d2/ca-certificates.crt"
run_with "$T/d2" 0

cp "$T/ca/rogueca.pem" "$T/d3/ca-certificates.crt"
run_with "$T/d3" 3
expect_grep 'TLS certificate verification failed' "$T/err"
echo ok
