#!/bin/sh
# The RPM package: `make rpm` builds it with rpmbuild (Debian's rpm), its
# files (rpm -qlp) are those of ../pkg_deb/files.txt with the unit
# directory Fedora uses and without the cron file (Fedora and RHEL always
# boot with systemd), the %config(noreplace) and scriptlets are there, and
# rpmlint reports no error (with packaging/rpm/allowsync.rpmlintrc).
. ../lib/common.sh
repo=$(cd ../../.. && pwd)
version=$(sed -n 's/^VERSION *:= *//p' "$repo/Makefile")

command -v rpmbuild >/dev/null || skip "rpmbuild not installed (make deps: rpm)"

make -s -C "$repo" BUILD="$BUILD" rpm >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make rpm"; }
set -- "$BUILD"/rpm/RPMS/*/allowsync-"$version"-*.rpm
[ $# -eq 1 ] && [ -f "$1" ] || fail "no allowsync-$version rpm: $*"
rpm=$1

rpm -qlp "$rpm" >"$T/list" 2>/dev/null || fail "rpm -qlp"
sed 's|\.gz$||; s|^/usr/lib/systemd/system/|/lib/systemd/system/|' "$T/list" >"$T/contents"
grep -v '^#' ../pkg_deb/files.txt | grep -v '^/etc/cron.d/' | sed 's|/$||' | while read -r f; do
	grep -qx "$f" "$T/contents" || { cat "$T/list"; fail "$f not in the rpm"; }
done
grep -q '^/etc/cron.d/' "$T/list" && fail "the rpm ships a cron file"
# Nothing else but documentation, the license and build-id links.
grep -v -e '^/usr/share/doc/' -e '^/usr/share/licenses/' -e '^/usr/lib/\.build-id' \
	-e '^/etc/allowsync$' -e '^/usr/share/allowsync$' "$T/contents" |
	while read -r f; do
		grep -qx "$f/\{0,1\}" ../pkg_deb/files.txt || fail "unexpected in the rpm: $f"
	done

rpm -qp --queryformat '%{VERSION}\n' "$rpm" 2>/dev/null | grep -qx "$version" || fail "version"
rpm -qcp "$rpm" 2>/dev/null | grep -qx /etc/allowsync/allowsync.conf || fail "config file not marked"
rpm -qp --scripts "$rpm" >"$T/scripts" 2>/dev/null
for s in postinstall preuninstall postuninstall; do
	grep -q "^$s scriptlet" "$T/scripts" || { cat "$T/scripts"; fail "no $s scriptlet"; }
done
grep -q 'allowsync.timer' "$T/scripts" || fail "scriptlets do not name the timer"
# rpm -qlp lists directories too: the state directory is the package's.
rpm -qlvp "$rpm" 2>/dev/null | grep -q '^d.* /var/lib/allowsync$' || fail "/var/lib/allowsync not a directory of the package"

# The payload's binary runs and accepts the payload's configuration.
mkdir "$T/root"
(cd "$T/root" && rpm2cpio "$rpm" | cpio -idm --quiet) || fail "rpm2cpio"
"$T/root/usr/sbin/allowsync" --version | grep -qx "allowsync $version" || fail "--version"
expect_exit 0 env ALLOWSYNC_PRESETS="$T/root/usr/share/allowsync/presets.conf" \
	"$T/root/usr/sbin/allowsync" -c "$T/root/etc/allowsync/allowsync.conf" check

if command -v rpmlint >/dev/null; then
	rpmlint -r "$repo/packaging/rpm/allowsync.rpmlintrc" "$repo/packaging/rpm/allowsync.spec" \
		"$rpm" >"$T/rpmlint" 2>&1 || true
	sed -n '/: [EW]: /p; /packages* and .* checked/p' "$T/rpmlint"
	grep -q ': E: ' "$T/rpmlint" && { cat "$T/rpmlint"; fail "rpmlint errors"; }
	grep -q ' 0 errors' "$T/rpmlint" || { cat "$T/rpmlint"; fail "rpmlint did not run"; }
else
	echo "rpmlint not installed: not run"
fi
echo "rpm: built, contents as the deb's (less cron), rpmlint without errors"
