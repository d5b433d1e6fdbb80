#!/bin/sh
# The shipped /etc/allowsync/allowsync.conf (packaging/allowsync.conf):
# valid, harmless as shipped (a run writes its one list inside the state
# directory, in lists/, the one place there an output may write, and
# nothing else), and with a paste-ready example of every
# source and output type the code registers: uncommenting every example
# gives a configuration that passes `allowsync check`.  The cron file is
# inert as shipped and does nothing on a host booted with systemd.
. ../lib/common.sh
repo=$(cd ../../.. && pwd)
conf=$repo/packaging/allowsync.conf
presets=$repo/packaging/presets.conf

expect_exit 0 env ALLOWSYNC_PRESETS="$presets" "$ALLOWSYNC" -c "$conf" check
expect_grep 'OK: 1 source, 1 output' "$T/out"

# Harmless: the same file with the state directory moved into $T (the only
# path it names outside comments is inside the state directory).
grep -v '^[#;]' "$conf" | grep '= */' >"$T/paths" || true
while read -r line; do
	case $line in
	*"= /var/lib/allowsync/"*) ;;
	*) fail "the active configuration names a path outside the state directory: $line" ;;
	esac
done <"$T/paths"
mkdir "$T/state"
sed "s|/var/lib/allowsync|$T/state|g; s|^\[global\]|[global]\nstate_dir = $T/state|" "$conf" >"$T/run.conf"
expect_exit 0 "$ALLOWSYNC" -c "$T/run.conf" run
(cd "$T/state" && find . -type f | sort) >"$T/files"
grep -qx './lists/example.txt' "$T/files" || { cat "$T/files"; fail "no lists/example.txt"; }
grep -v -e '^\./lists/example\.txt$' -e '^\./lock$' -e '^\./run\.status$' -e '^\./sources/' -e '^\./outputs/' "$T/files" &&
	fail "unexpected files in the state directory (above)"
expect_exit 0 "$ALLOWSYNC" -c "$T/run.conf" run --offline

# Every registered type has an example block.
for c in "$repo"/src/src_*.c "$repo"/src/out_*.c; do
	sed -n 's/^[[:space:]]*\.name *= *"\([a-z0-9-]*\)".*/\1/p' "$c"
done >"$T/types"
[ "$(wc -l <"$T/types")" -ge 8 ] || { cat "$T/types"; fail "found too few types"; }
while read -r t; do
	grep -qx ";type = $t" "$conf" || fail "no paste-ready example of type = $t"
done <"$T/types"
grep -qx ';preset = [a-z0-9-]*' "$conf" || fail "no preset example"
for fmt in json text; do
	grep -qx ";format = $fmt" "$conf" || fail "no url example with format = $fmt"
done

# Uncommented, every example together passes check.
sed 's/^;//' "$conf" >"$T/all.conf"
expect_exit 0 env ALLOWSYNC_PRESETS="$presets" "$ALLOWSYNC" -c "$T/all.conf" check
nsrc=$(grep -c '^\[source ' "$T/all.conf")
nout=$(grep -c '^\[output ' "$T/all.conf")
expect_grep "OK: $nsrc sources, $nout outputs" "$T/out"
cat "$T/out"

# The cron file: the job is commented out; enabled, it is a no-op under systemd.
cron=$repo/packaging/allowsync.cron
grep -v '^#' "$cron" | grep -q 'allowsync' && fail "cron job active as shipped"
job=$(sed -n 's/^#\([0-9*]\+ [^[:space:]]* [^[:space:]]* [^[:space:]]* [^[:space:]]*\)[[:space:]]\+root[[:space:]]\+//p' "$cron")
[ -n "$job" ] || fail "no commented-out job line in $cron"
case $job in
*'[ -d /run/systemd/system ] ||'*'allowsync -q run --splay 15m') ;;
*) fail "cron job: $job" ;;
esac
echo "shipped configuration: valid, harmless, $nsrc sources and $nout outputs as examples"
