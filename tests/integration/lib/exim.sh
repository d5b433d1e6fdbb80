# Debian's real Exim, for the expansions of `exim -be` in the cases:
# . ../lib/exim.sh (after common.sh)
#
# exim_be EXPANSION...: Exim's expansion of each argument, one a line
#   (exit status Exim's: non-zero when one failed).
#
# Debian's exim4-daemon-light cannot be installed beside postfix (both
# are a mail-transport-agent, so apt removes one for the other) and the
# postfix cases need postfix.  Where an Exim is installed it is used;
# elsewhere the binary is unpacked from Debian's package (make deps
# downloads it; dpkg-deb -x) into $BUILD/exim once and kept there.  Its
# libraries are ordinary ones that install beside postfix (make deps
# installs the one postfix does not pull in, libidn12).  It runs with a
# configuration of ours (-C) that only sets where its spool and logs
# go.  Exim looks up its compiled-in user, Debian-exim, before it reads
# any configuration and refuses to run without it; where the system has
# no such user Exim runs in a mount namespace of its own, in which
# /etc/passwd and /etc/group are copies that hold one (the system's
# files are never touched).
: "${LIB:=$(cd "$(dirname "$0")/../lib" && pwd)}"
: "${BUILD:=$LIB/../../../build}"

exim_root=$BUILD/exim
exim_bin=
for _e in exim4 exim; do
	if command -v "$_e" >/dev/null 2>&1; then exim_bin=$(command -v "$_e"); break; fi
done
if [ -z "$exim_bin" ]; then
	exim_bin=$exim_root/usr/sbin/exim4
	if [ ! -x "$exim_bin" ]; then
		command -v dpkg-deb >/dev/null ||
			skip "no exim, and no dpkg-deb to unpack Debian's"
		rm -rf "$exim_root.tmp" && mkdir -p "$exim_root.tmp"
		# make deps downloads the package (apt-get download) into apt's
		# archive directory; a test fetches nothing itself.
		_deb=$(ls "${EXIM_DEB_DIR:-/var/cache/apt/archives}"/exim4-daemon-light_*.deb 2>/dev/null | tail -1)
		[ -n "$_deb" ] || fail "no exim4-daemon-light package in ${EXIM_DEB_DIR:-/var/cache/apt/archives}: run make deps"
		cp "$_deb" "$exim_root.tmp/"
		dpkg-deb -x "$exim_root.tmp"/exim4-daemon-light_*.deb "$exim_root.tmp/root" ||
			fail "cannot unpack exim4-daemon-light"
		rm -rf "$exim_root" && mv "$exim_root.tmp/root" "$exim_root" && rm -rf "$exim_root.tmp"
	fi
	_missing=$(ldd "$exim_bin" 2>/dev/null | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p')
	[ -z "$_missing" ] || skip "Debian's exim needs $(echo $_missing) (make deps installs libidn12)"
fi

mkdir -p "$T/exim/spool" "$T/exim/log"
printf 'keep_environment =\nspool_directory = %s\nlog_file_path = %s\n' \
	"$T/exim/spool" "$T/exim/log/%slog" >"$T/exim/exim.conf"

exim_ns=
if ! getent passwd Debian-exim >/dev/null 2>&1; then
	command -v unshare >/dev/null || skip "no Debian-exim user, and no unshare to lend one"
	# A uid and gid nobody has (Exim refuses to run as root).
	_id=64999
	while getent passwd "$_id" >/dev/null || getent group "$_id" >/dev/null; do
		_id=$((_id - 1))
	done
	cp /etc/passwd "$T/exim/passwd" && cp /etc/group "$T/exim/group"
	echo "Debian-exim:x:$_id:$_id::/nonexistent:/usr/sbin/nologin" >>"$T/exim/passwd"
	echo "Debian-exim:x:$_id:" >>"$T/exim/group"
	exim_ns=yes
	unshare -m true 2>/dev/null || skip "no Debian-exim user, and unshare -m is not permitted"
fi

exim_be() {
	if [ -n "$exim_ns" ]; then
		unshare -m sh -c 'mount --bind "$1/passwd" /etc/passwd &&
			mount --bind "$1/group" /etc/group && shift && exec "$@"' \
			sh "$T/exim" "$exim_bin" -C "$T/exim/exim.conf" -be "$@"
	else
		"$exim_bin" -C "$T/exim/exim.conf" -be "$@"
	fi
}
