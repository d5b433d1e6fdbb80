#!/bin/sh
# A full file system and a read-only target directory: a clear error
# naming the output and the cause, exit 1, the live file unchanged and
# no temporary file left behind.
. ../lib/pipe.sh
[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs"
mkdir -p "$T/m"
mount -t tmpfs -o size=64k tmpfs "$T/m" 2>/dev/null || skip "cannot mount tmpfs here"
at_exit "umount '$T/m' 2>/dev/null || umount -l '$T/m' 2>/dev/null || true"
printf '8.8.8.0/24\n' >"$T/list.txt"
# max_growth = 0: the list grows 10,000 times below, and this case is
# about the file system, not the growth gate.
conf "max_growth = 0" <<EOF2
[source s]
type = file
path = $T/list.txt
max_entries = 100000
[output t]
type = text
path = $T/m/t.txt
[output p]
type = postfix
path = $T/o/p.cidr
EOF2
expect_exit 0 as run
t0=$(sig "$T/m/t.txt"); p0=$(sig "$T/o/p.cidr")
cp "$T/m/t.txt" "$T/t.good"

# Full: 20000 entries do not fit in 64 KiB.
python3 -c "
for i in range(20000): print('8.%d.%d.0/25' % (i // 256 + 9, i % 256))" >>"$T/list.txt"
expect_exit 1 as run
expect_grep "output \"t\": prepare: cannot .*$T/m/.t.txt.allowsync-.*: No space left on device: left unchanged" "$T/err"
[ "$(sig "$T/m/t.txt")" = "$t0" ] && cmp -s "$T/m/t.txt" "$T/t.good" || fail "live file changed"
[ -z "$(temps "$T/m")" ] || fail "temporary left: $(temps "$T/m")"
# The other output was not held back by this one's failure.
[ "$(sig "$T/o/p.cidr")" != "$p0" ] || fail "the other output was not updated"
grep -q '8.9.0.0/25' "$T/o/p.cidr" || fail "the other output lacks the new list"

# Read-only directory (root ignores modes, so a read-only mount).
printf '8.8.8.0/24\n1.1.1.1\n' >"$T/list.txt"
mount -o remount,ro "$T/m"
expect_exit 1 as run
expect_grep "output \"t\": prepare: cannot create a temporary file in $T/m: Read-only file system: left unchanged" "$T/err"
[ "$(sig "$T/m/t.txt")" = "$t0" ] || fail "live file changed on a read-only mount"
[ -z "$(temps "$T/m")" ] || fail "temporary left"
mount -o remount,rw "$T/m"
# Once it is writable again, the next run converges (forced: the other
# output shrinks from the 20001 entries above).
expect_exit 0 as --force run
grep -qx '1.1.1.1/32' "$T/m/t.txt" || fail "did not converge"
