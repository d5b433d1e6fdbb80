#!/bin/sh
# make demo: aggregate the bundled example list, then a whole run on the
# bundled configuration (static and file sources, text and postfix
# outputs) into a folder next to the binary, then show and why.
set -eu
bin=${1:-build/allowsync}
here=$(cd "$(dirname "$0")" && pwd)
echo "\$ allowsync aggregate examples/relays.txt"
"$bin" aggregate "$here/relays.txt"

demo=$(cd "$(dirname "$bin")" && pwd)/demo
rm -rf "$demo"
# Before the folder is made: running as root, allowsync refuses a
# configuration in a directory that group or others may write.
umask 022
mkdir -p "$demo/out"
sed "s|@DEMO@|$demo|g" "$here/demo.conf.in" >"$demo/allowsync.conf"
cp "$here/demo-extra.txt" "$demo/extra.txt"
conf=$demo/allowsync.conf

step() {
	echo
	echo "\$ allowsync $*"
	"$bin" -c "$conf" "$@"
}
step check
step run
echo
echo "\$ cat $demo/out/allowsync.cidr"
cat "$demo/out/allowsync.cidr"
step run -n
step show plain
step why 104.16.0.13
step why 149.72.10.8
step status
