#!/bin/sh
# The Debian package: `make deb` builds it from the tree, lintian finds no
# error, `apt install ./…deb` installs the files of files.txt (timer
# not enabled), the binary runs and accepts the shipped configuration, the
# installed units pass systemd-analyze verify (and security rates the
# service OK or better), the shipped configuration runs harmlessly, and
# remove + purge leave nothing behind.
. ../lib/common.sh
repo=$(cd ../../.. && pwd)
version=$(sed -n 's/^VERSION *:= *//p' "$repo/Makefile")

[ "$(id -u)" -eq 0 ] || skip "needs root (apt-get install)"
for t in dpkg-buildpackage dh apt-get lintian systemd-analyze; do
	command -v "$t" >/dev/null || skip "$t not installed (make deps)"
done

# apt-get waits for the dpkg lock rather than failing at once when
# something else (apt's daily timer on a fresh machine) holds it.
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"; }

# Everything allowsync-named on the system outside the trees we work in,
# before and after: the purge must bring it back to the same.  man-db's
# page cache is not the package's: `man` (run by systemd-analyze verify
# --man=yes below) leaves formatted pages there whenever man-db has made
# its cache directories, and man-db's own cron job ages them out.
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /run -o -path /work -o -path /tmp \
		-o -path /var/cache/man \
		-o -path "$repo" -o -path "$BUILD" -o -path "${TMPDIR:-/tmp}" \) -prune \
		-o -name '*allowsync*' -print 2>/dev/null | sort
}
# An allowsync package this case did not install (the machine's own) is
# not ours to purge.  One an earlier run of the case installed and could
# not purge (killed) is: the marker in $BUILD says so.
mark=$BUILD/pkg_deb.installed
if dpkg-query -W -f='${Status}' allowsync 2>/dev/null | grep -q 'installed\|config-files'; then
	[ -e "$mark" ] || skip "an allowsync package is installed on this machine, not by this case: left alone"
	echo "allowsync is installed from an earlier run of this case: purging it first"
	apt_get purge -y -qq allowsync >/dev/null
fi
rm -f "$mark"
snapshot >"$T/before"
at_exit 'if dpkg-query -W allowsync >/dev/null 2>&1; then apt_get purge -y -qq allowsync >/dev/null 2>&1 && rm -f "$mark"; else rm -f "$mark"; fi'

# --- build
make -s -C "$repo" BUILD="$BUILD" deb >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make deb"; }
deb=$BUILD/deb/allowsync_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $deb"

# --- lintian: no error; the two findings kept are overridden with reasons
# in packaging/debian/allowsync.lintian-overrides.
lintian --fail-on error --pedantic "$deb" >"$T/lintian" 2>&1 || { cat "$T/lintian"; fail "lintian"; }
grep -v 'running with root privileges' "$T/lintian" || true
if grep -q '^E:' "$T/lintian"; then cat "$T/lintian"; fail "lintian errors"; fi

# --- contents, as files.txt says
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|; s|\.gz$||' >"$T/contents"
grep -v '^#' files.txt | while read -r f; do
	grep -qx "$f" "$T/contents" || fail "$f not in the package"
done
dpkg-deb -f "$deb" Version | grep -qx "$version" || fail "version is not $version"
# libcurl is opened at run time, so the dependency is stated by hand.
dpkg-deb -f "$deb" Depends | grep -q 'libcurl4 (>= 7.85.0)' || fail "no dependency on libcurl4"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles >"$T/conffiles"
printf '/etc/allowsync/allowsync.conf\n/etc/cron.d/allowsync\n' | cmp -s - "$T/conffiles" ||
	{ cat "$T/conffiles"; fail "conffiles"; }

# --- install
: >"$mark"
apt_get install -y -qq --no-install-recommends "$deb" \
	>"$T/apt.log" 2>&1 || { cat "$T/apt.log"; fail "apt-get install"; }
dpkg-query -W -f='${Status}\n' allowsync | grep -q 'install ok installed' || fail "not installed"

/usr/sbin/allowsync --version >"$T/out" || fail "--version"
grep -qx "allowsync $version" "$T/out" || { cat "$T/out"; fail "--version says"; }
expect_exit 0 allowsync check
expect_grep '/etc/allowsync/allowsync.conf: OK: 1 source, 1 output' "$T/out"
# presets are found where the binary looks for them
expect_exit 0 allowsync presets --names
expect_grep '^smtp2go$' "$T/out"
[ "$(stat -c '%U %a' /etc/allowsync/allowsync.conf)" = "root 644" ] || fail "conffile owner/mode"
[ -d /var/lib/allowsync ] || fail "no /var/lib/allowsync"

# The timer and the restore unit are installed, not enabled.
for l in /etc/systemd/system/*.wants/allowsync*; do
	[ -e "$l" ] && fail "enabled at install: $l"
done

# Units: verify (man pages are checked too when man is there).
man=--man=no
command -v man >/dev/null && man=--man=yes
systemd-analyze verify $man /lib/systemd/system/allowsync.service \
	/lib/systemd/system/allowsync.timer /lib/systemd/system/allowsync-restore.service \
	>"$T/verify" 2>&1 || { cat "$T/verify"; fail "systemd-analyze verify"; }
[ -s "$T/verify" ] && { cat "$T/verify"; fail "systemd-analyze verify warns"; }
for u in allowsync.service allowsync-restore.service; do
	systemd-analyze security --offline=true --no-pager "/lib/systemd/system/$u" >"$T/sec" 2>&1 || true
	level=$(sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]*\) \([A-Z]*\).*/\1 \2/p' "$T/sec")
	echo "systemd-analyze security $u: $level"
	case $level in
	*" OK" | *" SAFE" | *" PERFECT") ;;
	*) cat "$T/sec"; fail "$u rated '$level'" ;;
	esac
done

# The shipped configuration is harmless: a run writes only in the state dir.
expect_exit 0 allowsync run
cmp -s /var/lib/allowsync/lists/example.txt - <<'EOF' || { cat /var/lib/allowsync/lists/example.txt; fail "example.txt"; }
# allowsync output "example" (text): written by allowsync, do not edit
# sources: example
192.0.2.0/24
2001:db8::/32
EOF
expect_exit 0 allowsync status

# --- remove: configuration and state stay, the program goes
apt_get remove -y -qq allowsync >"$T/apt.log" 2>&1 || { cat "$T/apt.log"; fail "apt-get remove"; }
[ -e /usr/sbin/allowsync ] && fail "binary left after remove"
[ -e /lib/systemd/system/allowsync.service ] && fail "unit left after remove"
[ -f /etc/allowsync/allowsync.conf ] || fail "conffile gone at remove (policy keeps it until purge)"

# --- purge: nothing is left
apt_get purge -y -qq allowsync >"$T/apt.log" 2>&1 || { cat "$T/apt.log"; fail "apt-get purge"; }
dpkg-query -W -f='${Status}\n' allowsync 2>/dev/null | grep -q 'installed\|config-files' &&
	fail "still known to dpkg after purge"
snapshot >"$T/after"
diff "$T/before" "$T/after" || fail "left behind after purge (above)"
echo "deb: built, lintian clean of errors, installed, checked, removed, purged"
