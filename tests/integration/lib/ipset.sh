# Helpers for the ipset_* cases, after common.sh:  . ../lib/common.sh; . ../lib/ipset.sh
# Every case works in its own network namespace (deleted on exit, with
# its sets and rules), never on the host's sets.
command -v ipset >/dev/null 2>&1 || skip "ipset is not installed"
command -v iptables >/dev/null 2>&1 || skip "iptables is not installed"
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) is not installed"
NS=allowsync-test-$$-$(basename "$(pwd)")
ip netns add "$NS" 2>"$T/netns.err" || skip "cannot create a network namespace: $(cat "$T/netns.err")"
at_exit "ip netns pids $NS 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del $NS 2>/dev/null || true"
# Run a command inside the namespace.
X() { ip netns exec "$NS" "$@"; }
X ipset list >/dev/null 2>&1 || skip "no ip_set support in this kernel"

# ipset_conf [OUTPUT KEY=VALUE LINES...]: $T/allowsync.conf with one file
# source ($T/list) and an ipset output "fw" with the given keys.
ipset_conf() {
	{
		printf '[source list]\ntype = file\npath = %s/list\n\n' "$T"
		printf '[output fw]\ntype = ipset\n'
		for kv in "$@"; do printf '%s\n' "$kv"; done
	} | conf_file "$T/allowsync.conf" "$T/state" "allow_special = yes" "max_entries = 2000000" \
		"max_shrink = 100%" "max_growth = 0" "min_prefix4 = 8" "min_prefix6 = 16" ""
}

asy() { X "$ALLOWSYNC" -c "$T/allowsync.conf" "$@"; }

# A rule that lets SMTP in from the set, as an administrator writes it.
ipset_rule() { X iptables -A INPUT -p tcp --dport 25 -m set --match-set "$1" src -j ACCEPT; }

# set_ranges SET: the set's elements, merged to ranges, one a line.
set_ranges() {
	X ipset save "$1" | awk -v s="$1" '$1 == "add" && $2 == s { print $3 }' |
		"$ALLOWSYNC" aggregate --ranges
}

# check_set SET -4|-6 FILE: the set holds exactly FILE's ranges of that family.
check_set() {
	set_ranges "$1" >"$T/live.txt"
	"$ALLOWSYNC" aggregate --ranges "$2" "$3" >"$T/wanted.txt"
	cmp -s "$T/live.txt" "$T/wanted.txt" || {
		diff "$T/wanted.txt" "$T/live.txt" | head -20 >&2
		fail "set $1 differs from $3"
	}
}

# in_set SET ADDR / not_in_set SET ADDR: `ipset test`.
in_set() { X ipset -q test "$1" "$2" || fail "$2 is not in set $1"; }
not_in_set() { ! X ipset -q test "$1" "$2" || fail "$2 is in set $1"; }

# refs SET: how many rules reference the set.
refs() { X ipset list "$1" -t | sed -n 's/^References: //p'; }
# sets: the names of the sets, one a line.
sets() { X ipset list -n; }
