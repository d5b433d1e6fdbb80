#!/bin/sh
# Interoperability with Debian's minisign, both ways:
#  - a key pair from `minisign -G -W` signs allowsync's publication;
#    `minisign -Vm NAME.json -p KEY.pub` verifies it (prehashed ED), and
#    the trusted comment carries serial and expiry;
#  - a key pair from `allowsync keygen` is read by minisign (sign and
#    verify), and keygen refuses to overwrite;
#  - a password-protected minisign key is refused with a reason;
#  - a published document altered by one byte no longer verifies.
. ../lib/common.sh
command -v minisign >/dev/null || skip "minisign not installed"

mkdir -p "$T/pub"
minisign -G -W -p "$T/ms.pub" -s "$T/ms.key" >/dev/null 2>&1 || fail "minisign -G -W"
conf_file "$T/p.conf" "$T/state" "allow_special = yes" <<EOC
[source inv]
type = static
prefixes = 192.0.2.0/24 198.51.100.7 2001:db8::/32

[publish]
dir = $T/pub
name = relay
sign_key = $T/ms.key
EOC
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
[ -f "$T/pub/relay.json.minisig" ] || fail "no signature written"
minisign -Vm "$T/pub/relay.json" -p "$T/ms.pub" >"$T/v.out" 2>&1 || { cat "$T/v.out"; fail "minisign does not verify allowsync's signature"; }
expect_grep 'Signature and comment signature verified' "$T/v.out"
serial=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serial"])' "$T/pub/relay.json")
expect_grep "Trusted comment: timestamp:[0-9]*	file:relay.json	serial:$serial	expires:[0-9]*" "$T/v.out"
sed -n 2p "$T/pub/relay.json.minisig" | grep -q '^RU' || fail "signature is not prehashed (ED)"
# -H: minisign demands a prehashed signature.
minisign -H -Vm "$T/pub/relay.json" -p "$T/ms.pub" >/dev/null 2>&1 || fail "minisign -H refuses the signature"
# The public key as a base64 string (-P) too.
minisign -Vm "$T/pub/relay.json" -P "$(sed -n 2p "$T/ms.pub")" >/dev/null 2>&1 || fail "minisign -P"

# One byte changed: minisign refuses.
sed 's/192.0.2.0/192.0.2.1/' "$T/pub/relay.json" >"$T/tampered.json"
cp "$T/pub/relay.json.minisig" "$T/tampered.json.minisig"
if minisign -Vm "$T/tampered.json" -p "$T/ms.pub" >/dev/null 2>&1; then fail "tampered document verified"; fi

# allowsync keygen -> minisign.
expect_exit 0 "$ALLOWSYNC" keygen -p "$T/a.pub" -s "$T/a.key"
[ "$(stat -c %a "$T/a.key")" = 600 ] || fail "secret key mode is $(stat -c %a "$T/a.key")"
expect_grep "pubkey = $(sed -n 2p "$T/a.pub")" "$T/out"
echo data >"$T/d"
minisign -S -s "$T/a.key" -m "$T/d" -t "tc" >/dev/null 2>&1 </dev/null || fail "minisign cannot sign with allowsync's secret key"
minisign -Vm "$T/d" -p "$T/a.pub" >/dev/null 2>&1 || fail "minisign cannot verify with allowsync's public key"
# keygen never overwrites.
before=$(md5sum "$T/a.key" "$T/a.pub")
expect_exit 1 "$ALLOWSYNC" keygen -p "$T/a.pub" -s "$T/a.key"
expect_grep 'already exists' "$T/err"
expect_exit 1 "$ALLOWSYNC" keygen -p "$T/new.pub" -s "$T/a.key"
[ ! -e "$T/new.pub" ] || fail "a failed keygen left $T/new.pub"
[ "$(md5sum "$T/a.key" "$T/a.pub")" = "$before" ] || fail "keygen changed an existing key"
expect_exit 2 "$ALLOWSYNC" keygen -p "$T/x.pub"

# allowsync's key publishes, minisign verifies with allowsync's pub key.
sed -i "s#^sign_key = .*#sign_key = $T/a.key#" "$T/p.conf"
expect_exit 0 "$ALLOWSYNC" -c "$T/p.conf" publish
minisign -Vm "$T/pub/relay.json" -p "$T/a.pub" >/dev/null 2>&1 || fail "minisign does not verify with the allowsync key"

# A password-protected minisign key is refused with a reason.
printf 'pw\npw\n' | minisign -G -p "$T/enc.pub" -s "$T/enc.key" >/dev/null 2>&1 || skip "minisign cannot make an encrypted key here"
sed -i "s#^sign_key = .*#sign_key = $T/enc.key#" "$T/p.conf"
expect_exit 2 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'password-protected' "$T/err"
# A secret key readable by others is refused.
chmod 644 "$T/a.key"
sed -i "s#^sign_key = .*#sign_key = $T/a.key#" "$T/p.conf"
expect_exit 2 "$ALLOWSYNC" -c "$T/p.conf" publish
expect_grep 'group or others' "$T/err"
echo "publish_minisign: interop both ways ok"
