#!/bin/sh
# allowsync triage --no-presets --offline on a synthetic 1 GiB Postfix
# log (gen_maillog.py: one line in ten a rejection), against the grep |
# awk pipeline an administrator would write to pull the same client
# addresses out: both must find the same rejections and distinct
# addresses.  BENCH_TRIAGE_MIB changes the size.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BT=$(mktemp -d); trap 'rm -rf "$BT"' EXIT
. "$here/lib.sh"

mib=${BENCH_TRIAGE_MIB:-1024}
log=$BT/mail.log
t0=$(date +%s.%N)
python3 "$here/gen_maillog.py" "$mib" "$log"
gen=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
bytes=$(stat -c %s "$log")
echo "log: $(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB, $(wc -l <"$log") lines, generated in ${gen}s"

# A static source for the configuration (triage needs none to cover
# anything), and its last good copy for --offline.
printf '[global]\nstate_dir = %s/state\nallow_special = yes\n[source s]\ntype = static\nprefixes = 192.0.2.0/24\n[output o]\ntype = text\npath = %s/o.txt\n' \
	"$BT" "$BT" >"$BT/allowsync.conf"
chmod 600 "$BT/allowsync.conf"
"$ALLOWSYNC" -q -c "$BT/allowsync.conf" run

measure "$BT/ours.json" "$ALLOWSYNC" -c "$BT/allowsync.conf" triage --no-presets --offline --json "$log"
ours=$MED ours_rss=$RSS
ours_found=$(jq -r '"\(.rejections) \(.addresses)"' "$BT/ours.json")

# The pipeline: grep the smtpd/postscreen rejection lines, awk the
# bracketed client after " from " (" for " in DNSBL rank), count them.
cat >"$BT/pipeline.sh" <<'EOF2'
LC_ALL=C grep -E '(smtpd|postscreen)\[[0-9]+\]: ([0-9A-Za-z]+: reject: |PREGREET |DNSBL rank )' "$1" |
	LC_ALL=C awk '{ if (match($0, / (from|for) [^ []*\[[^]]+\]/)) {
		s = substr($0, RSTART, RLENGTH); sub(/^.*\[/, "", s); sub(/\]$/, "", s); n[s]++; r++ } }
		END { for (a in n) d++; print r, d }'
EOF2
measure "$BT/theirs" sh "$BT/pipeline.sh" "$log"
theirs=$MED theirs_rss=$RSS
theirs_found=$(cat "$BT/theirs")

same=no; [ "$ours_found" = "$theirs_found" ] && same=yes
mbs() { awk -v b="$bytes" -v s="$1" 'BEGIN { if (s > 0) printf "%.0f", b / 1e6 / s; else print "inf" }'; }
printf '%-14s %10s %10s %10s %8s %22s\n' tool "median s" "MB/s" "peak MiB" ratio "rejections addresses"
printf '%-14s %10s %10s %10s %8s %22s\n' allowsync "$ours" "$(mbs "$ours")" "$(mib "$ours_rss")" "" "$ours_found"
printf '%-14s %10s %10s %10s %7sx %22s\n' "grep | awk" "$theirs" "$(mbs "$theirs")" "$(mib "$theirs_rss")" \
	"$(ratio "$theirs" "$ours")" "$theirs_found"
echo "same rejections and addresses: $same"
