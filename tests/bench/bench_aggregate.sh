#!/bin/sh
# allowsync aggregate against iprange --optimize (IPv4) and Python's
# ipaddress.collapse_addresses (both families), on seeded random lists.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BT=$(mktemp -d); trap 'rm -rf "$BT"' EXIT
. "$here/lib.sh"

printf '%-22s %10s %10s %10s %8s %10s %s\n' list tool "median s" "peak MiB" ratio "same out" ""
for fam in 4 6; do
	for n in 10000 100000 1000000; do
		list=$BT/list$fam-$n
		python3 "$here/gen_list.py" "$n" "$n" "$fam" >"$list"
		measure "$BT/ours" "$ALLOWSYNC" aggregate "$list"
		ours=$MED ours_rss=$RSS
		printf '%-22s %10s %10s %10s\n' "IPv$fam $n" allowsync "$ours" "$(mib "$ours_rss")"
		if [ "$fam" = 4 ] && command -v iprange >/dev/null; then
			measure "$BT/ipr" iprange --optimize "$list"
			# iprange prints a /32 bare; allowsync always prints the length.
			sed '/\//!s/$/\/32/' "$BT/ipr" >"$BT/ipr.norm"
			same=no; cmp -s "$BT/ipr.norm" "$BT/ours" && same=yes
			printf '%-22s %10s %10s %10s %8sx %10s\n' "" "iprange" "$MED" "$(mib "$RSS")" \
				"$(ratio "$MED" "$ours")" "$same"
		fi
		if [ "$n" -le 100000 ] || [ "${BENCH_PY_1M:-1}" = 1 ]; then
			RUNS=1 measure "$BT/py" python3 "$here/collapse.py" "$list"
			same=no; cmp -s "$BT/py" "$BT/ours" && same=yes
			printf '%-22s %10s %10s %10s %8sx %10s\n' "" "python" "$MED" "$(mib "$RSS")" \
				"$(ratio "$MED" "$ours")" "$same"
		fi
	done
done
