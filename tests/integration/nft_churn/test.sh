#!/bin/sh
# Another program commits to the ruleset all the time: a batch computed
# from a view that moved is refused by the kernel (ERESTART, nothing
# applied) and rebuilt; the last attempt replaces the whole set, which
# needs no stable view.  Every run must succeed and leave the wanted set.
. ../lib/common.sh
. ../lib/nft.sh
declare_set4
ranges4 2000 1 >"$T/a"
ranges4 2000 2 >"$T/b"
awk 'NR % 50 == 0 { gsub(/^11\./, "12."); gsub(/-11\./, "-12."); } { print }' "$T/a" >"$T/a2"
nft_conf "table = filter" "set4 = allowsync4"
X sh -c 'while [ ! -e "$1" ]; do nft add table ip churn; nft delete table ip churn; done' churn "$T/stop" &
churner=$!
at_exit "touch $T/stop; kill $churner 2>/dev/null || true"
: >"$T/log"
i=0
while [ $i -lt 30 ]; do
	case $((i % 3)) in 0) c=a ;; 1) c=a2 ;; *) c=b ;; esac
	cp "$T/$c" "$T/list"
	expect_exit 0 asy -v run
	cat "$T/err" >>"$T/log"
	i=$((i + 1))
done
touch "$T/stop"
wait $churner || true
check_set inet filter allowsync4 -4 "$T/list"
retries=$(grep -c 'retrying with a fresh view' "$T/log" || true)
blind=$(grep -c 'replacing the whole set' "$T/log" || true)
echo "ok: 30 runs under a churning ruleset, $retries retries after ERESTART, $blind last-attempt replacements"
