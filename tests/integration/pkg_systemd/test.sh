#!/bin/sh
# The units under a real systemd: this case boots a private systemd
# manager as PID 1 of its own PID, mount and network namespaces (fresh
# /run, /var/lib and /tmp, its own nftables ruleset, so nothing of the
# host's is used or changed) and runs the tree's units there, with only
# ExecStart/the configuration path pointed at this build:
#  - allowsync.service runs under its whole sandbox (seccomp filter,
#    ProtectSystem=strict, capability bounding set…), fills an nftables
#    set over netlink, and its `on_change = postfix reload` hook reloads
#    a real Postfix;
#  - without the output-path drop-in the Postfix table cannot be written
#    (the unit fails), with packaging/output-paths.conf it can;
#  - exit 3 (degraded) counts as success;
#  - allowsync-restore.service, enabled, runs when nftables.service starts
#    and again when it reloads, refilling the set that loading the ruleset
#    (flush ruleset) emptied;
#  - systemd-analyze security rates the running unit OK or better;
#  - the timer is hourly with its random delay, persistent.
. ../lib/common.sh
repo=$(cd ../../.. && pwd)

[ "$(id -u)" -eq 0 ] || skip "needs root"
[ -d /run/systemd/system ] && skip "the host runs systemd: this case only boots its own manager where none runs"
[ -x /lib/systemd/systemd ] || skip "no /lib/systemd/systemd"
for t in unshare nsenter postfix nft; do command -v "$t" >/dev/null || skip "$t not installed"; done
id postfix >/dev/null 2>&1 || skip "no postfix user"

W=/var/lib/pkgtest   # inside the namespaces: a tmpfs over /var/lib
cat >"$T/boot.sh" <<EOF
#!/bin/sh
set -e
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=0755 tmpfs /var/lib
mkdir -p /run/systemd/system $W/bin $W/tables $W/log $W/pf/etc $W/pf/spool $W/pf/data
cp "$ALLOWSYNC" $W/bin/allowsync
chown postfix $W/pf/data
# PrivateTmp= directories stay in here too
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
cat >/run/systemd/system/pkgtest.target <<'EOT'
[Unit]
Description=allowsync pkg_systemd test
DefaultDependencies=no
EOT
exec env container=allowsync-pkgtest /lib/systemd/systemd --system --unit=pkgtest.target \
	--log-target=console --log-level=notice
EOF
chmod +x "$T/boot.sh"

# cgroups the manager creates in the host's hierarchies go at the end
for h in /sys/fs/cgroup/*/; do
	for d in init.scope system.slice; do [ -e "$h$d" ] && echo "$h$d"; done
done >"$T/cgroups.before"
setsid unshare --pid --fork --mount --mount-proc --propagation private --net "$T/boot.sh" \
	>"$T/systemd.log" 2>&1 &
upid=$!
at_exit "kill -KILL $upid 2>/dev/null || true"
manager_pid() { P=$(pgrep -P "$upid" | head -1); [ -n "$P" ]; }
wait_for -v 'cat "$T/systemd.log"' "the manager process" manager_pid
# Killing the namespace's PID 1 ends every process in it and its mounts;
# the cgroups the manager made in the host's hierarchies are removed.
stop_manager() {
	kill -KILL "$P" 2>/dev/null || true
	n=0
	while kill -0 "$P" 2>/dev/null && [ $n -lt 600 ]; do n=$((n + 1)); sleep 0.05; done
	for h in /sys/fs/cgroup/*/; do
		for d in init.scope system.slice; do
			if grep -qx "$h$d" "$T/cgroups.before" || [ ! -d "$h$d" ]; then continue; fi
			n=0
			until find "$h$d" -depth -type d -exec rmdir {} + 2>/dev/null || [ $n -ge 600 ]; do
				n=$((n + 1)); sleep 0.05
			done
		done
	done
	return 0
}
at_exit stop_manager
sd() { nsenter -t "$P" -m -p -n -- "$@"; }
state=
manager_up() { state=$(sd systemctl is-system-running 2>/dev/null) && { [ "$state" = running ] || [ "$state" = degraded ]; }; }
WAIT_LIMIT=60 wait_for -v 'cat "$T/systemd.log"; echo "state: $state"' "the manager to come up" manager_up
echo "private systemd manager up (pid $P)"
root=/proc/$P/root   # the namespace's view, from here

# --- units: the tree's, ExecStart/condition pointed at this build and W
units=$root/run/systemd/system
for u in allowsync.service allowsync-restore.service allowsync.timer; do
	sed -e "s|/usr/sbin/allowsync run|$W/bin/allowsync -c $W/allowsync.conf run|" \
		-e "s|/etc/allowsync/allowsync.conf|$W/allowsync.conf|" "$repo/systemd/$u" >"$units/$u"
done
grep -q "^ExecStart=$W/bin/allowsync -c $W/allowsync.conf run$" "$units/allowsync.service" || fail "sed ExecStart"
# the service's output where the test can read it (journald is not running)
for u in allowsync allowsync-restore; do
	mkdir -p "$units/$u.service.d"
	# ('+': outside the sandbox; a finished oneshot is unloaded, so its
	# exit status is recorded here rather than read back with show)
	printf '[Service]\nStandardOutput=append:%s/log/%s.log\nStandardError=append:%s/log/%s.log\nExecStopPost=+/bin/sh -c %s\n' \
		"$W" "$u" "$W" "$u" "'echo \$EXIT_STATUS >>$W/log/$u.exit'" >"$units/$u.service.d/zz-test-log.conf"
done
# nftables.service as Debian's (nft -f of a ruleset that starts with
# flush ruleset and declares the set empty), on a ruleset file of W
cat >"$root$W/nftables.conf" <<EOF
flush ruleset
table inet filter {
	set allowsync4 { type ipv4_addr; flags interval; }
}
EOF
cat >"$units/nftables.service" <<EOF
[Unit]
Description=nftables, as Debian's unit, on $W/nftables.conf
DefaultDependencies=no
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f $W/nftables.conf
ExecStartPost=/bin/sh -c 'echo start >>$W/log/nftables.log'
ExecReload=/usr/sbin/nft -f $W/nftables.conf
ExecReload=/bin/sh -c 'echo reload >>$W/log/nftables.log'
EOF
# the set exists before nftables.service first starts (as after a boot
# where the administrator loaded it by hand)
sd nft -f "$W/nftables.conf" || fail "nft -f in the namespace"
set4() { sd nft list set inet filter allowsync4 2>&1; }

# --- a private Postfix for the hook
cat >"$root$W/pf/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $W/pf/spool
data_directory = $W/pf/data
inet_interfaces = loopback-only
myhostname = pkg-systemd.invalid
mydestination =
maillog_file_prefixes = $W/pf
maillog_file = $W/pf/maillog
EOF
sed 's/^smtp \{1,\}inet/#&/' /usr/share/postfix/master.cf.dist >"$root$W/pf/etc/master.cf"
sd postfix -c "$W/pf/etc" start >"$T/pf.log" 2>&1 || { cat "$T/pf.log"; fail "postfix start"; }
wait_for "postfix to start" grep -q 'daemon started' "$root$W/pf/maillog"
reloads() { grep -c 'postfix/master.*reload' "$root$W/pf/maillog" || true; }
reloaded_past() { [ "$(reloads)" -gt "$1" ]; }

# --- the configuration
printf '198.51.100.0/28\n' >"$root$W/relay.txt"
cat >"$root$W/allowsync.conf" <<EOF
[source relay]
type = file
path = $W/relay.txt
allow_special = yes
[output postscreen]
type = postfix
path = $W/tables/relays.cidr
result = permit
on_change = /usr/sbin/postfix -c $W/pf/etc reload
[output plain]
type = text
path = /var/lib/allowsync/lists/plain.txt
[output firewall]
type = nftables
table = filter
set4 = allowsync4
EOF
chmod 0644 "$root$W/allowsync.conf"

show() { sd systemctl show -p "$2" --value "$1"; }
start() { sd systemctl start "$1" >"$T/start.out" 2>&1; }
svclog() { cat "$root$W/log/allowsync.log" 2>/dev/null; }

sd systemctl daemon-reload

# 1. no drop-in: ProtectSystem=strict keeps the table's directory read-only
start allowsync.service && { svclog; fail "started although $W/tables is read-only for it"; }
[ "$(show allowsync.service ExecMainStatus)" = 1 ] || { svclog; fail "wanted exit 1 without the drop-in"; }
svclog | grep -q 'output "postscreen"' || { svclog; fail "no message about the table"; }
[ -e "$root$W/tables/relays.cidr" ] && fail "table written without the drop-in"
[ -f "$root/var/lib/allowsync/lists/plain.txt" ] || fail "state-directory output not written (StateDirectory)"
set4 | grep -q '198.51.100.0/28' || { set4; svclog; fail "nftables set not filled under the sandbox"; }
echo "without the drop-in: exit 1, the table's directory is read-only"

# 2. the shipped drop-in (its path pointed at W/tables): written, postfix reloads
sed "s|/etc/postfix/allowsync|$W/tables|" "$repo/packaging/output-paths.conf" \
	>"$units/allowsync.service.d/output-paths.conf"
sd systemctl daemon-reload
n0=$(reloads)
start allowsync.service || { svclog; cat "$T/start.out"; fail "allowsync.service failed with the drop-in"; }
[ "$(show allowsync.service Result)" = success ] || fail "result"
grep -qx '198.51.100.0/28	permit' "$root$W/tables/relays.cidr" || fail "table not written"
wait_for -v 'svclog; tail "$root$W/pf/maillog"' "postfix to reload" reloaded_past "$n0"
echo "with the drop-in: table written, postfix reload hook ran under the sandbox"

# 3. degraded (exit 3) is success for the unit
printf 'not a prefix\n' >"$root$W/relay.txt"
start allowsync.service || { svclog; fail "a degraded run failed the unit"; }
st=$(tail -1 "$root$W/log/allowsync.exit")
[ "$st" = 3 ] || { svclog; cat "$root$W/log/allowsync.exit"; fail "wanted exit 3, got $st"; }
echo "degraded run: exit 3, and systemctl start succeeded"

# 4. restore: enabled, it runs when nftables starts and when it reloads
sd systemctl enable --runtime allowsync-restore.service >"$T/enable.out" 2>&1 ||
	{ cat "$T/enable.out"; fail "enable --runtime allowsync-restore.service"; }
[ -L "$root/run/systemd/system.control/nftables.service.wants/allowsync-restore.service" ] ||
	[ -L "$units/nftables.service.wants/allowsync-restore.service" ] ||
	ls -lR "$root/run/systemd" | grep -q 'nftables.service.wants' || fail "enable created no nftables.service.wants link"
printf '[Service]\nReadWritePaths=%s/tables\n' "$W" >"$units/allowsync-restore.service.d/output-paths.conf"
sd systemctl daemon-reload
rm -f "$root/var/lib/allowsync/lists/plain.txt"
start nftables.service || fail "start nftables.service"
# pulled in, ordered after nftables.service: it runs once that has started
# (and stays active once done: RemainAfterExit)
restore_ran() {
	case $(show allowsync-restore.service ActiveState) in activating | inactive) return 1 ;; esac
}
wait_for "allowsync-restore.service to run after nftables.service" restore_ran
[ "$(show allowsync-restore.service ActiveState)" = active ] ||
	{ cat "$T/enable.out" "$root$W/log/allowsync-restore.log"; sd systemctl status --no-pager allowsync-restore.service nftables.service;
	  sd systemctl show -p Wants -p ConsistsOf nftables.service; fail "restore did not run with nftables.service"; }
[ -f "$root/var/lib/allowsync/lists/plain.txt" ] || fail "restore at start did not re-apply"
set4 | grep -q '198.51.100.0/28' || { set4; fail "restore at start did not refill the set"; }
rm -f "$root/var/lib/allowsync/lists/plain.txt"
refills() { grep -c 'output "firewall": updated: +1 -0' "$root$W/log/allowsync-restore.log" || true; }
r0=$(refills)
sd systemctl reload nftables.service || fail "reload nftables.service"
# The propagated reload is a job of its own, not waited for by systemctl:
# done once the restore run has reported its last output (the set), and
# the unit is back to active.
reloaded() {
	[ "$(refills)" -gt "$r0" ] && [ "$(show allowsync-restore.service ActiveState)" = active ]
}
wait_for -v 'cat "$root$W/log/allowsync-restore.log"' "the restore run on reload" reloaded
[ -f "$root/var/lib/allowsync/lists/plain.txt" ] || { cat "$root$W/log/allowsync-restore.log"; fail "restore did not re-apply on reload"; }
grep -qx reload "$root$W/log/nftables.log" || fail "nftables.service did not reload"
set4 | grep -q '198.51.100.0/28' || { set4; cat "$root$W/log/allowsync-restore.log"; fail "the set is empty after the reload"; }
# each time, the set had been emptied by the ruleset load and was refilled
n=$(grep -c 'output "firewall": updated: +1 -0' "$root$W/log/allowsync-restore.log" || true)
[ "$n" -eq 2 ] || { cat "$root$W/log/allowsync-restore.log"; fail "restore refilled the set $n times, wanted 2"; }
grep -c . "$root$W/log/allowsync-restore.log" >/dev/null || true
echo "restore: refilled the set at nftables start and again after its reload (flush ruleset)"

# 5. the live unit's exposure
sd systemd-analyze security --no-pager allowsync.service >"$T/sec" 2>&1 || true
level=$(sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]*\) \([A-Z]*\).*/\1 \2/p' "$T/sec")
echo "systemd-analyze security allowsync.service (running manager): $level"
case $level in
*" OK" | *" SAFE" | *" PERFECT") ;;
*) cat "$T/sec"; fail "rated '$level'" ;;
esac

# 6. the timer
start allowsync.timer || fail "start allowsync.timer"
[ "$(show allowsync.timer RandomizedDelayUSec)" = 15min ] || fail "RandomizedDelaySec"
[ "$(show allowsync.timer Persistent)" = yes ] || fail "Persistent"
show allowsync.timer TimersCalendar | grep -q 'OnCalendar=\*-\*-\* \*:00:00 ' || { show allowsync.timer TimersCalendar; fail "OnCalendar"; }
[ -n "$(show allowsync.timer NextElapseUSecRealtime)" ] || fail "timer not scheduled"
echo "timer: hourly, 15 min random delay, persistent; next $(show allowsync.timer NextElapseUSecRealtime)"
