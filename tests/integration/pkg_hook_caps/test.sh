#!/bin/sh
# allowsync.service's CapabilityBoundingSet is enough for the hook the
# Postfix output is made for, `on_change = postfix reload`, and CAP_SETUID
# and CAP_SETGID in it are needed: without them postsuper cannot switch to
# Postfix's user and the hook fails.
#
# systemd is not needed: the case runs allowsync the way the unit does —
# the bounding set read from systemd/allowsync.service, no new privileges
# (setpriv), and ProtectSystem=strict + ReadWritePaths (a mount namespace
# where / is read-only but the state and output directories) — against a
# private Postfix instance (its own config, queue and log under $T).
. ../lib/common.sh
repo=$(cd ../../.. && pwd)
unit=$repo/systemd/allowsync.service

[ "$(id -u)" -eq 0 ] || skip "needs root"
for t in postfix setpriv unshare; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
[ -x /usr/sbin/postfix ] || skip "no /usr/sbin/postfix"
id postfix >/dev/null 2>&1 || skip "no postfix user"

# The unit's bounding set, as setpriv wants it: -all,+net_admin,+…
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | grep . |
	sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd, -)
[ -n "$caps" ] || fail "no CapabilityBoundingSet in $unit"
echo "unit bounding set: $caps"
grep -qx 'NoNewPrivileges=yes' "$unit" || fail "unit without NoNewPrivileges=yes"
grep -qx 'ProtectSystem=strict' "$unit" || fail "unit without ProtectSystem=strict"

# --- a private Postfix instance, no network listener
pf=$T/postfix
chmod 0755 "$T"   # the postfix user works in $pf/data
mkdir -p "$pf/etc" "$pf/spool" "$pf/data"
chown postfix "$pf/data"
cat >"$pf/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/spool
data_directory = $pf/data
inet_interfaces = loopback-only
myhostname = pkg-hook-caps.invalid
mydestination =
maillog_file_prefixes = $pf
maillog_file = $pf/maillog
EOF
sed 's/^smtp \{1,\}inet/#&/' /usr/share/postfix/master.cf.dist >"$pf/etc/master.cf"
postfix -c "$pf/etc" start >"$T/pf.log" 2>&1 || { cat "$T/pf.log" "$pf/maillog" 2>/dev/null; fail "postfix start"; }
at_exit "postfix -c '$pf/etc' stop >/dev/null 2>&1 || true"
master_up() { [ -s "$pf/spool/pid/master.pid" ] && grep -q 'daemon started' "$pf/maillog" 2>/dev/null; }
wait_for "the postfix master to start" master_up

# --- allowsync: a Postfix table with the reload hook
mkdir -p "$T/state" "$T/tables"
conf_file "$T/a.conf" "$T/state" <<EOF
[source relay]
type = static
prefixes = 198.51.100.0/28
allow_special = yes
[output postscreen]
type = postfix
path = $T/tables/relays.cidr
result = permit
on_change = /usr/sbin/postfix -c $pf/etc reload
EOF

reloads() { grep -c 'postfix/master.*reload' "$pf/maillog" || true; }
# reloaded_past N: the master has logged more than N reloads.
reloaded_past() { [ "$(reloads)" -gt "$1" ]; }

# run_as_unit BOUNDINGSET ARGS...: allowsync under the unit's restrictions
run_as_unit() {
	bset=$1; shift
	unshare -m sh -c '
		mount --bind "$1" "$1" && mount --bind "$2" "$2" &&
		mount -o remount,bind,ro / || exit 99
		shift 2; exec "$@"' sh "$T/state" "$T/tables" \
		setpriv --no-new-privs --bounding-set "-all,$bset" --inh-caps=-all \
		"$ALLOWSYNC" -c "$T/a.conf" "$@"
}

# 1. the unit's set: the table is written and postfix reloads
n0=$(reloads)
expect_exit 0 run_as_unit "$caps" run
grep -qx '198.51.100.0/28	permit' "$T/tables/relays.cidr" || fail "table not written"
wait_for -v 'tail "$pf/maillog"' "a reload with the unit's bounding set" reloaded_past "$n0"
echo "with $caps: postfix reloaded"

# the read-only emulation is real: the same run cannot write outside
unshare -m sh -c 'mount -o remount,bind,ro / && touch "$1/probe"' sh "$T/tables" 2>/dev/null &&
	fail "read-only root emulation does not hold"

# 2. without CAP_SETUID/CAP_SETGID the hook fails (exit 1, postsuper's setgid)
sed -i 's|^prefixes = .*|prefixes = 198.51.100.0/28 203.0.113.0/29|' "$T/a.conf"
n1=$(reloads)
expect_exit 1 run_as_unit "+net_admin" run
cat "$T/err"
grep -q 'setgid' "$T/err" "$pf/maillog" || fail "no setgid failure reported"
# No reload: a reload of our own afterwards (the master handles its
# signals in turn) is the only one logged, once it is.
postfix -c "$pf/etc" reload >"$T/reload.out" 2>&1 || { cat "$T/reload.out"; fail "postfix reload (by the case)"; }
wait_for -v 'tail "$pf/maillog"' "the case's own reload" reloaded_past "$n1"
[ "$(reloads)" -eq $((n1 + 1)) ] || fail "postfix reloaded without CAP_SETUID/CAP_SETGID"
n1=$((n1 + 1))
echo "with +net_admin only: the hook fails as expected"

# 3. back to the unit's set: the pending hook is retried and succeeds
expect_exit 0 run_as_unit "$caps" run
wait_for -v 'tail "$pf/maillog"' "the pending hook's retry to reload postfix" reloaded_past "$n1"
echo "unit bounding set proven sufficient, CAP_SETUID/CAP_SETGID proven necessary"
