#!/bin/sh
# make install DESTDIR=… installs exactly the files of ../pkg_deb/files.txt
# (what the Debian package holds), the installed units pass systemd-analyze
# verify; a second install keeps an edited configuration; PREFIX and
# SBINDIR reach the units and the cron file; uninstall leaves only the
# administrator's configuration and the state directory.
. ../lib/common.sh
repo=$(cd ../../.. && pwd)
root=$T/root

make -s -C "$repo" BUILD="$BUILD" DESTDIR="$root" install >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; fail "make install"; }

(cd "$root" && find . \( -type f -o -type d -empty \) | sed 's|^\.||' | sort) >"$T/installed"
# Empty directories are listed with a trailing /, as in files.txt.
while read -r f; do
	if [ -d "$root$f" ]; then echo "$f/"; else echo "$f"; fi
done <"$T/installed" >"$T/got"
grep -v '^#' ../pkg_deb/files.txt | sort >"$T/want"
diff "$T/want" "$T/got" || fail "make install differs from the package (above: - missing, + extra)"

[ "$(stat -c %a "$root/usr/sbin/allowsync")" = 755 ] || fail "binary mode"
for f in etc/allowsync/allowsync.conf lib/systemd/system/allowsync.service usr/share/man/man8/allowsync.8; do
	[ "$(stat -c %a "$root/$f")" = 644 ] || fail "$f mode"
done
cmp -s "$repo/packaging/allowsync.conf" "$root/etc/allowsync/allowsync.conf" || fail "conf differs"
# default paths: the units are the tree's, unchanged
cmp -s "$repo/systemd/allowsync.service" "$root/lib/systemd/system/allowsync.service" ||
	fail "allowsync.service changed by a default install"

# The units verify (man pages off: not in the host's man path), installed
# without DESTDIR under a scratch PREFIX so that ExecStart names the binary
# really there.
if command -v systemd-analyze >/dev/null; then
	p=$T/prefix
	make -s -C "$repo" BUILD="$BUILD" PREFIX="$p" SYSCONFDIR="$p/etc" UNITDIR="$p/units" \
		STATEDIR="$p/state" install >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make install PREFIX=$p"; }
	grep -qx "ExecStart=$p/sbin/allowsync run" "$p/units/allowsync.service" || fail "ExecStart under $p"
	systemd-analyze verify --man=no "$p/units/allowsync.service" "$p/units/allowsync.timer" \
		"$p/units/allowsync-restore.service" >"$T/verify" 2>&1 || { cat "$T/verify"; fail "systemd-analyze verify"; }
	[ -s "$T/verify" ] && { cat "$T/verify"; fail "systemd-analyze verify warns"; }
fi

# The installed binary accepts the installed configuration and presets.
expect_exit 0 env ALLOWSYNC_PRESETS="$root/usr/share/allowsync/presets.conf" \
	"$root/usr/sbin/allowsync" -c "$root/etc/allowsync/allowsync.conf" check

# A second install never replaces the administrator's configuration.
echo "; edited" >>"$root/etc/allowsync/allowsync.conf"
make -s -C "$repo" BUILD="$BUILD" DESTDIR="$root" install >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; fail "make install (again)"; }
tail -1 "$root/etc/allowsync/allowsync.conf" | grep -qx '; edited' || fail "configuration replaced"

# uninstall: only the configuration and the (empty) state directory stay.
make -s -C "$repo" BUILD="$BUILD" DESTDIR="$root" uninstall >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; fail "make uninstall"; }
(cd "$root" && find . -type f | sed 's|^\.||' | sort) >"$T/left"
printf '/etc/allowsync/allowsync.conf\n' | cmp -s - "$T/left" || { cat "$T/left"; fail "uninstall left"; }
[ -d "$root/var/lib/allowsync" ] || fail "uninstall removed the state directory"

# Other prefixes reach the units and the cron file.
root2=$T/root2
make -s -C "$repo" BUILD="$BUILD" DESTDIR="$root2" PREFIX=/usr/local SYSCONFDIR=/usr/local/etc \
	install >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make install PREFIX=/usr/local"; }
grep -qx 'ExecStart=/usr/local/sbin/allowsync run' "$root2/lib/systemd/system/allowsync.service" ||
	fail "ExecStart does not follow SBINDIR"
grep -qx 'ConditionPathExists=/usr/local/etc/allowsync/allowsync.conf' \
	"$root2/lib/systemd/system/allowsync.service" || fail "condition does not follow SYSCONFDIR"
grep -q '/usr/local/sbin/allowsync run --offline' "$root2/lib/systemd/system/allowsync-restore.service" ||
	fail "restore unit does not follow SBINDIR"
[ -f "$root2/usr/local/etc/cron.d/allowsync" ] || fail "cron file not under SYSCONFDIR"
[ -f "$root2/usr/local/share/man/man5/allowsync.conf.5" ] || fail "MANDIR does not follow PREFIX"
[ -f "$root2/usr/local/share/bash-completion/completions/allowsync" ] ||
	fail "the bash completion does not follow PREFIX"
echo "make install: same files as the package; uninstall and prefixes OK"
