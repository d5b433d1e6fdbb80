#!/bin/sh
# metrics_file: after every run that applies -- changed, unchanged,
# degraded, held, a failed hook, a source with nothing usable, a state
# directory it cannot use -- the Prometheus text file is replaced whole,
# and prometheus_client's own parser reads the values the run found.
# diff, show, why, check, status and run --offline leave it, as does a
# run that finds the lock held; a file it cannot write is one line and
# does not change the exit code.
. ../lib/pipe.sh
py=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import prometheus_client.parser' 2>/dev/null; then
		py=$p
		break
	fi
done
[ -n "$py" ] || skip "python3-prometheus-client not installed (make deps installs it)"

mkdir "$T/prom"
M=$T/prom/allowsync.prom
L=$T/list.txt
V6=79228162514264337593543950336 # a /32 of IPv6
full_list() { for i in 0 1 2 3 4 5 6 7 8 9; do echo "8.8.$((i * 2)).0/24"; done; echo 2001:4860::/32; }
full_list >"$L"
cat >"$T/hook.sh" <<EOF2
#!/bin/sh
[ ! -e "$T/hookfail" ]
EOF2
chmod +x "$T/hook.sh"
# setup [SECTION-LINES]: the configuration, with more sections if given.
setup() {
	conf "metrics_file = $M" <<EOF2
[source s]
type = file
path = $L
[source d]
type = static
prefixes = 9.9.9.9
[source spare]
type = static
prefixes = 1.1.1.1
[output t]
type = text
path = $T/o/t.txt
sources = s d
[output p]
type = postfix
path = $T/o/p.cidr
sources = s
on_change = $T/hook.sh
${1:-}
EOF2
}
setup
# metrics WHAT EXPECTATION...: check.py on the file (see there).
metrics() {
	what=$1
	shift
	"$py" check.py "$M" "$@" || fail "metrics after: $what"
}
now() { date +%s; }

# 1. Changed.
t0=$(now)
expect_exit 0 as run
metrics "a changed run" allowsync_run_exit_code=0 "allowsync_run_timestamp_seconds>=$t0" \
	"allowsync_run_timestamp_seconds<=$(now)" "allowsync_run_duration_seconds>=0" \
	"allowsync_run_duration_seconds<=60" \
	"allowsync_source_last_success_timestamp_seconds{source=s}>=$t0" \
	"allowsync_source_entries{source=s}=11" \
	"allowsync_source_addresses{source=s,family=ipv4}=2560" \
	"allowsync_source_addresses{source=s,family=ipv6}=$V6" \
	"allowsync_source_served_from_last_good{source=s}=0" \
	"allowsync_source_degraded_since_timestamp_seconds{source=s}=0" \
	"allowsync_source_entries{source=d}=1" \
	"allowsync_source_addresses{source=d,family=ipv4}=1" \
	"allowsync_source_addresses{source=d,family=ipv6}=0" \
	"!allowsync_source_entries{source=spare}" \
	"allowsync_output_last_success_timestamp_seconds{output=t}>=$t0" \
	"allowsync_output_entries{output=t}=12" \
	"allowsync_output_addresses{output=t,family=ipv4}=2561" \
	"allowsync_output_addresses{output=t,family=ipv6}=$V6" \
	"allowsync_output_entries{output=p}=11" \
	"allowsync_output_held{output=t}=0" "allowsync_output_held{output=p}=0" \
	"allowsync_output_hook_pending{output=p}=0"
[ "$(stat -c %a "$M")" = 644 ] || fail "mode $(stat -c %a "$M")"
[ -z "$(temps "$T/prom")" ] || fail "temporary left: $(temps "$T/prom")"

# 2. Unchanged: replaced (a new file), the same figures.
ino=$(stat -c %i "$M")
expect_exit 0 as run
[ "$(stat -c %i "$M")" != "$ino" ] || fail "an unchanged run did not replace the file"
metrics "an unchanged run" allowsync_run_exit_code=0 "allowsync_source_entries{source=s}=11" \
	"allowsync_output_entries{output=t}=12" "allowsync_output_held{output=t}=0"

# Commands that apply nothing leave it (inode and mtime, aged so that a
# write shows however soon it comes).
age "$M"
before=$(sig "$M")
for cmd in diff "run -n" "show t" "why 8.8.0.1" check status "run --offline"; do
	# shellcheck disable=SC2086
	expect_exit 0 as $cmd
	[ "$(sig "$M")" = "$before" ] || fail "$cmd touched $M"
done

# 3. Degraded: the source served from its last good copy, since now.
succ=$(sed -n 's/^success //p' "$T/state/sources/s.status")
mv "$L" "$L.away"
t3=$(now)
expect_exit 3 as run
metrics "a degraded run" allowsync_run_exit_code=3 \
	"allowsync_source_served_from_last_good{source=s}=1" \
	"allowsync_source_degraded_since_timestamp_seconds{source=s}>=$t3" \
	"allowsync_source_last_success_timestamp_seconds{source=s}=$succ" \
	"allowsync_source_entries{source=s}=11" \
	"allowsync_source_served_from_last_good{source=d}=0" \
	"allowsync_output_entries{output=t}=12"

# 4. Held: 12 entries to 2 is past max_shrink; the figures are what is
# live, which the gate kept.
echo 8.8.0.0/24 >"$L"
rm "$L.away"
expect_exit 3 as run
metrics "a held run" allowsync_run_exit_code=3 \
	"allowsync_output_held{output=t}=1" "allowsync_output_held{output=p}=1" \
	"allowsync_output_entries{output=t}=12" \
	"allowsync_output_addresses{output=t,family=ipv4}=2561" \
	"allowsync_source_entries{source=s}=1" \
	"allowsync_source_served_from_last_good{source=s}=0" \
	"allowsync_source_degraded_since_timestamp_seconds{source=s}=0"

# 5. A hook that fails: exit 1, pending; the next run retries it.
{ full_list; echo 8.8.100.0/24; } >"$L"
: >"$T/hookfail"
expect_exit 1 as run
metrics "a failed hook" allowsync_run_exit_code=1 "allowsync_output_hook_pending{output=p}=1" \
	"allowsync_output_held{output=p}=0" "allowsync_output_entries{output=p}=12"
rm "$T/hookfail"
expect_exit 0 as run
metrics "the hook retried" allowsync_run_exit_code=0 "allowsync_output_hook_pending{output=p}=0"

# 6. A source with nothing usable: its output fails, the others proceed.
setup "[source n]
type = file
path = $T/missing.txt
[output q]
type = text
path = $T/o/q.txt
sources = n"
expect_exit 1 as run
metrics "a failed source" allowsync_run_exit_code=1 \
	"allowsync_source_last_success_timestamp_seconds{source=n}=0" \
	"allowsync_source_entries{source=n}=0" \
	"allowsync_source_addresses{source=n,family=ipv4}=0" \
	"allowsync_source_served_from_last_good{source=n}=0" \
	"allowsync_output_last_success_timestamp_seconds{output=q}=0" \
	"allowsync_output_entries{output=q}=0" "!allowsync_output_addresses{output=q,family=ipv4}" \
	"allowsync_output_entries{output=t}=13"
setup

# 7. Another run holds the lock: that one writes the file, not this one.
hold_script "$T/hold.sh" lock
flock "$T/state/lock" "$T/hold.sh" &
holder=$!
at_exit "gate_open lock; kill $holder 2>/dev/null || true"
wait_file "$T/lock.started" "flock to hold the lock"
age "$M"
before=$(sig "$M")
expect_exit 4 as run
[ "$(sig "$M")" = "$before" ] || fail "a run without the lock touched $M"
gate_open lock
wait $holder

# 8. A state directory it cannot use: exit 1, and the run's series only.
: >"$T/notadir"
conf_file "$T/bad.conf" "$T/notadir" "metrics_file = $M" <<EOF2
[source s]
type = file
path = $L
[output t]
type = text
path = $T/o/t.txt
EOF2
expect_exit 1 "$ALLOWSYNC" -c "$T/bad.conf" run
metrics "an unusable state directory" allowsync_run_exit_code=1 \
	"!allowsync_source_entries{source=s}" "!allowsync_output_entries{output=t}"

# 9. A file it cannot write: one line naming metrics_file and the cause;
# the exit code is the run's.
if [ "$(id -u)" = 0 ] && mkdir "$T/ro" && mount -t tmpfs -o size=64k tmpfs "$T/ro" 2>/dev/null; then
	at_exit "umount '$T/ro' 2>/dev/null || umount -l '$T/ro' 2>/dev/null || true"
	M=$T/ro/allowsync.prom
	setup
	expect_exit 0 as run
	metrics "a run on the tmpfs" allowsync_run_exit_code=0
	mount -o remount,ro "$T/ro"
	expect_exit 0 as run
	expect_grep "^allowsync: error: metrics_file: not written: cannot create a temporary file in $T/ro: Read-only file system\$" "$T/err"
	[ "$(grep -c metrics_file "$T/err")" -eq 1 ] || { cat "$T/err"; fail "not one line"; }
	mount -o remount,rw "$T/ro"
else
	echo "cannot mount a tmpfs here: the write failure is not checked"
fi

# The documentation: every family in allowsync(8) and docs/monitoring.md,
# and the alert rules there parse and name only families that exist.
repo=$(cd ../../.. && pwd)
"$py" - "$repo" <<'PY' || fail "documentation"
import re, sys
repo = sys.argv[1]
names = re.findall(r"'(allowsync_\w+)'", open('check.py').read())
man = open(repo + '/packaging/allowsync.8').read().replace('\\-', '-')
doc = open(repo + '/docs/monitoring.md').read()
missing = [n for n in names if n not in man] + [n for n in names if '`%s`' % n not in doc]
if missing:
    sys.exit('not documented: %s' % missing)
try:
    import yaml
except ImportError:
    print('no python yaml: the alert rules were not parsed')
    sys.exit(0)
blocks = re.findall(r'```yaml\n(.*?)```', doc, re.S)
rules = [r for b in blocks for g in yaml.safe_load(b)['groups'] for r in g['rules']]
if len(rules) < 2:
    sys.exit('fewer than two alert rules')
for r in rules:
    used = set(re.findall(r'allowsync_\w+', r['expr']))
    if not used or used - set(names):
        sys.exit('%s: %s' % (r['alert'], r['expr']))
print('%d alert rules checked' % len(rules))
PY
