#!/bin/sh
# Atomicity of (at least) 100 replacements, seen from both sides:
#  - `nft list set` in a loop (lib/nft_watch.py) over a set small enough
#    that the kernel dumps it in one message: every listing taken while
#    no commit happened (same ruleset generation before and after) shows
#    one complete content, never a partial or empty set.  (A large set is
#    dumped in parts, resumed by counting tree nodes — including nodes a
#    concurrent transaction is still preparing — so its listings can be
#    torn by the kernel's dump itself, with nft -f as with us: they prove
#    nothing either way.)
#  - the packet path, on a 3000-range set: UDP packets to an address that
#    every content holds always match the set, packets to an address none
#    holds never do.
# The contents alternate B, A, A' (changed a little: sent as a delta), A,
# … so both full replacements and deltas are exercised.
. ../lib/common.sh
. ../lib/nft.sh
digest() {
	X nft -j list set inet filter allowsync4 | python3 -c '
import hashlib, json, sys
e = [x for x in json.load(sys.stdin)["nftables"] if "set" in x][0]["set"].get("elem", [])
print(hashlib.md5(json.dumps(e, sort_keys=True).encode()).hexdigest())'
}
# replace N A B A2: N runs (a multiple of 4) over the contents B, A, A2,
# A, B, …, ending with A
replace() {
	i=0
	while [ $i -lt "$1" ]; do
		case $((i % 4)) in 0) c=$3 ;; 2) c=$4 ;; *) c=$2 ;; esac
		cp "$T/$c" "$T/list"
		expect_exit 0 asy run
		i=$((i + 1))
	done
}

# Listings, on 40 ranges (80 elements: one dump message).
declare_set4
nft_conf "table = filter" "set4 = allowsync4"
ranges4 40 1 >"$T/sa"
ranges4 40 2 >"$T/sb"
awk 'NR % 10 == 0 { gsub(/^11\./, "12."); gsub(/-11\./, "-12."); } { print }' "$T/sa" >"$T/sa2"
for c in sb sa2 sa; do
	cp "$T/$c" "$T/list"
	expect_exit 0 asy run
	check_set inet filter allowsync4 -4 "$T/$c"
	digest >>"$T/digests"
done
[ "$(sort -u "$T/digests" | grep -c .)" = 3 ] || fail "the three small contents are not distinct"
X python3 ../lib/nft_watch.py inet filter allowsync4 "$T/stop" "$T/seen" &
watcher=$!
at_exit "touch $T/stop; kill $watcher 2>/dev/null || true"
# Watching before the first replacement, and still after the last one.
wait_file -s "$T/seen" "the watcher's first listing"
# 100 replacements, more (up to 500) while the watcher has fewer than 20
# listings to judge: a slow machine slows the listings too.
quiet() { grep -c '^quiet ' "$T/seen" || true; }
rounds=100
replace 100 sa sb sa2
while [ "$(quiet)" -lt 20 ] && [ $rounds -lt 500 ]; do
	replace 20 sa sb sa2
	rounds=$((rounds + 20))
done
n=$(grep -c . "$T/seen")
wait_for "a listing after the last replacement" sh -c "[ \$(grep -c . '$T/seen') -gt $n ]"
touch "$T/stop"
wait $watcher || fail "the watcher failed"
check_set inet filter allowsync4 -4 "$T/sa"
quiet=$(quiet)
moving=$(grep -c '^moving ' "$T/seen" || true)
bad=$(grep '^quiet ' "$T/seen" | grep -v -F -f "$T/digests" | grep -c . || true)
[ "$quiet" -ge 20 ] || fail "only $quiet quiet listings in $rounds replacements"
[ "$bad" -eq 0 ] || { grep -v -F -f "$T/digests" "$T/seen" | head >&2; fail "$bad of $quiet listings saw a partial or empty set"; }
X nft flush ruleset
rm -rf "$T/state" "$T/stop"

# The packet path, on 3000 ranges.
ranges4 3000 1 >"$T/a"
ranges4 3000 2 >"$T/b"
awk 'NR % 100 == 0 { gsub(/^11\./, "12."); gsub(/-11\./, "-12."); } { print }' "$T/a" >"$T/a2"
# An address in A, A' and B (outside the changed lines), one in none.
eval "$(python3 - "$T/a" "$T/b" <<'PY'
import sys
def rd(p):
    out = []
    for l in open(p):
        l = l.strip(); a, _, b = l.partition("-"); b = b or a
        v = lambda s: int.from_bytes(bytes(map(int, s.split("."))), "big")
        out.append((v(a), v(b)))
    return out
A, B = rd(sys.argv[1]), rd(sys.argv[2])
f = lambda x: ".".join(str(x >> s & 255) for s in (24, 16, 8, 0))
for i in range(len(A)):
    if (i + 1) % 100 == 0: continue
    lo, hi = max(A[i][0], B[i][0]), min(A[i][1], B[i][1])
    if lo <= hi:
        print("BOTH=%s NONE=%s" % (f(lo), f(0x0b000000 + i * 512 + 450))); break
PY
)"
[ -n "${BOTH:-}" ] || fail "no common address"

counter() { X nft -j list counter inet filter "$1" | jq '.nftables[1].counter.packets'; }
# Both addresses local: packets to them cross the output hook on lo.
X ip link set lo up
X ip addr add "$BOTH/32" dev lo
X ip addr add "$NONE/32" dev lo
X nft -f - <<NFT
table inet filter {
	set allowsync4 { type ipv4_addr; flags interval; }
	counter sent_both { }
	counter miss_both { }
	counter hit_none { }
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr $BOTH counter name sent_both
		ip daddr $BOTH ip daddr != @allowsync4 counter name miss_both
		ip daddr $NONE ip daddr @allowsync4 counter name hit_none
	}
}
NFT
nft_conf "table = filter" "set4 = allowsync4"
for c in b a2 a; do
	cp "$T/$c" "$T/list"
	expect_exit 0 asy run
	check_set inet filter allowsync4 -4 "$T/$c"
done
X python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while not os.path.exists(sys.argv[3]):
    for _ in range(100):
        s.sendto(b"x", (sys.argv[1], 9)); s.sendto(b"x", (sys.argv[2], 9))
' "$BOTH" "$NONE" "$T/stop" &
sender=$!
at_exit "touch $T/stop; kill $sender 2>/dev/null || true"
sending() { [ "$(counter sent_both)" -gt 0 ]; }
wait_for "the first packets to $BOTH" sending
replace 100 a b a2
touch "$T/stop"
wait $sender || true
check_set inet filter allowsync4 -4 "$T/a"
sent=$(counter sent_both); miss=$(counter miss_both); hit=$(counter hit_none)
[ "$sent" -ge 1000 ] || fail "only $sent packets sent"
[ "$miss" -eq 0 ] || fail "$miss of $sent packets to $BOTH missed the set"
[ "$hit" -eq 0 ] || fail "$hit packets to $NONE matched the set"
# The probe can fail: a flush and a refill in two transactions (what a
# naive script does) leaves packets to $BOTH unmatched in between.  The
# sender is sending before the first flush; the flushes go on until a
# packet is seen missing (at most 200).
rm -f "$T/stop"
sent0=$(counter sent_both)
X python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while not os.path.exists(sys.argv[2]):
    s.sendto(b"x", (sys.argv[1], 9))
' "$BOTH" "$T/stop" &
sender=$!
sending() { [ "$(counter sent_both)" -gt "$sent0" ]; }
wait_for "the probe's first packets to $BOTH" sending
{ echo "add element inet filter allowsync4 {"; sed 's/$/,/' "$T/a"; echo "}"; } >"$T/refill.nft"
i=0
while [ $i -lt 200 ] && [ "$(counter miss_both)" -eq 0 ]; do
	X nft flush set inet filter allowsync4; X nft -f "$T/refill.nft"; i=$((i + 1))
done
touch "$T/stop"
wait $sender || true
[ "$(counter miss_both)" -gt 0 ] || fail "the packet probe did not notice non-atomic updates ($i flushes)"
echo "ok: $quiet quiet listings over $rounds replacements complete ($moving taken during a commit, not judged); $sent packets to $BOTH all matched, none to $NONE"
