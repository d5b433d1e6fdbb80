#!/bin/sh
# allowsync aggregate == Python's ipaddress.collapse_addresses, on seeded
# random inputs of both families (nested, adjacent, duplicate, edges).
. ../lib/common.sh
command -v python3 >/dev/null || skip "python3 not installed"
for seed in 1 2 3 4 5 6 7 8; do
	python3 gen.py "$seed" 3000 "$T/in" "$T/want"
	"$ALLOWSYNC" aggregate "$T/in" >"$T/got" 2>"$T/err" || { cat "$T/err"; fail "seed $seed: exit $?"; }
	cmp -s "$T/got" "$T/want" || { diff "$T/want" "$T/got" | head -20; fail "seed $seed differs from collapse_addresses"; }
	# Order of input does not matter.
	shuf --random-source=/dev/zero "$T/in" 2>/dev/null | "$ALLOWSYNC" aggregate >"$T/got2" 2>/dev/null || shuf "$T/in" | "$ALLOWSYNC" aggregate >"$T/got2"
	cmp -s "$T/got2" "$T/want" || fail "seed $seed: shuffled input differs"
	# --ranges then aggregate again round-trips.
	"$ALLOWSYNC" aggregate --ranges "$T/in" | "$ALLOWSYNC" aggregate >"$T/got3"
	cmp -s "$T/got3" "$T/want" || fail "seed $seed: ranges round trip differs"
done
echo "8 seeds agree with collapse_addresses"
