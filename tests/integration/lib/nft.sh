# Helpers for the nft_* cases, after common.sh:  . ../lib/common.sh; . ../lib/nft.sh
# Every case works in its own network namespace (deleted on exit), never
# in the host's ruleset.
command -v nft >/dev/null 2>&1 || skip "nft is not installed"
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) is not installed"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
NS=allowsync-test-$$-$(basename "$(pwd)")
ip netns add "$NS" 2>"$T/netns.err" || skip "cannot create a network namespace: $(cat "$T/netns.err")"
# Whatever a case started in the namespace goes with it: an nft monitor
# left behind (its namespace deleted but held) slows every nf_tables
# commit on the host, since the kernel's check for listeners is global.
at_exit "ip netns pids $NS 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del $NS 2>/dev/null || true"

# Run a command inside the namespace.
X() { ip netns exec "$NS" "$@"; }

# nft_conf [OUTPUT KEY=VALUE LINES...]: $T/allowsync.conf with one file
# source ($T/list) and an nftables output "fw" with the given keys.
nft_conf() {
	{
		printf '[source list]\ntype = file\npath = %s/list\n\n' "$T"
		printf '[output fw]\ntype = nftables\n'
		for kv in "$@"; do printf '%s\n' "$kv"; done
	} | conf_file "$T/allowsync.conf" "$T/state" "allow_special = yes" "max_entries = 2000000" \
		"max_shrink = 100%" "max_growth = 0" "min_prefix4 = 8" "min_prefix6 = 16" ""
}

# declare_set4: table inet filter with an empty interval set allowsync4,
# declared the way an administrator would.
declare_set4() {
	printf 'table inet filter {\n\tset allowsync4 { type ipv4_addr; flags interval; }\n}\n' |
		X nft -f -
}

# run_as [ARGS...]: allowsync -c $T/allowsync.conf ARGS inside the namespace
asy() { X "$ALLOWSYNC" -c "$T/allowsync.conf" "$@"; }

# set_ranges FAMILY TABLE SET: the set's content as merged ranges, one per line
set_ranges() {
	X nft -j list set "$1" "$2" "$3" | jq -r '.nftables[] | .set? // empty | .elem[]? |
		if type == "string" then .
		elif has("prefix") then "\(.prefix.addr)/\(.prefix.len)"
		elif has("range") then "\(.range[0])-\(.range[1])"
		else error("unexpected element \(.)") end' | "$ALLOWSYNC" aggregate --ranges
}

# set_count FAMILY TABLE SET: number of elements nft lists
set_count() {
	X nft -j list set "$1" "$2" "$3" | jq '[.nftables[] | .set? // empty | .elem[]?] | length'
}

# check_set FAMILY TABLE SET -4|-6 FILE: the set holds exactly FILE's ranges of that family
check_set() {
	set_ranges "$1" "$2" "$3" >"$T/live.txt"
	"$ALLOWSYNC" aggregate --ranges "$4" "$5" >"$T/wanted.txt"
	cmp -s "$T/live.txt" "$T/wanted.txt" || {
		diff "$T/wanted.txt" "$T/live.txt" | head -20 >&2
		fail "set $1 $2 $3 differs from $5"
	}
}

# ranges4 N SEED: N disjoint, non-adjacent IPv4 ranges from 11.0.0.0 up
ranges4() {
	python3 - "$1" "$2" <<'PY'
import random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(seed)
out = []
for i in range(n):
    s = 0x0b000000 + i * 512 + r.randint(0, 100)
    e = s + r.randint(0, 199)
    f = lambda a: "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)
    out.append(f(s) if s == e else f(s) + "-" + f(e))
sys.stdout.write("\n".join(out) + "\n")
PY
}

# An `nft monitor` of the namespace, with markers instead of sleeps: a
# marker is a table of its own (ip allowsync_markN) whose creation the
# monitor prints; once it has printed marker N it has printed everything
# committed before it, in order.
# monitor_start FILE: the monitor, writing to FILE, subscribed (markers
# are added until one shows up: the first ones may come before it
# listens); sets mon (its pid) and mark (the last marker's number).
monitor_start() {
	# exec: $! must be nft itself, not a subshell that would leave it running.
	ip netns exec "$NS" sh -c 'exec nft monitor' >"$1" 2>&1 &
	mon=$!
	at_exit "kill $mon 2>/dev/null || true"
	mark=0
	_mon_end=$(($(date +%s) + WAIT_LIMIT))
	until grep -q '^add table ip allowsync_mark' "$1"; do
		kill -0 "$mon" 2>/dev/null || { cat "$1" >&2; fail "nft monitor exited"; }
		[ "$(date +%s)" -le "$_mon_end" ] || fail "nft monitor printed none of $mark markers in ${WAIT_LIMIT}s"
		mark=$((mark + 1))
		X nft add table ip "allowsync_mark$mark"
		sleep 0.1
	done
	monitor_mark "$1"
}
# monitor_mark FILE: a new marker; returns once the monitor printed it.
monitor_mark() {
	mark=$((mark + 1))
	X nft add table ip "allowsync_mark$mark"
	wait_for "nft monitor to print marker $mark" grep -qx "add table ip allowsync_mark$mark" "$1"
}
# monitor_between FILE A B: what the monitor printed between markers A
# and B, the markers themselves (and their generations) left out.
monitor_between() {
	sed -n "/^add table ip allowsync_mark$2\$/,/^add table ip allowsync_mark$3\$/p" "$1" |
		grep -v -x -e 'add table ip allowsync_mark[0-9]*' \
			-e '# new generation [0-9]* by process [0-9]* (nft)' || true
}
