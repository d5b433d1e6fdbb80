#!/bin/sh
# Policy guards: a list holding 0/0, a /7, a private range, too many
# entries, or nothing at all is refused as a whole — the outputs stay as
# they were (exit 3 with a last good copy, 1 without one).  The shrink
# guard holds an output that would lose 80%; --force applies it.
. ../lib/pipe.sh
L=$T/list.txt
conf <<EOF2
[source s]
type = file
path = $L
max_entries = 100
[output t]
type = text
path = $T/o/t.txt
[output p]
type = postfix
path = $T/o/p.cidr
EOF2

# No last good copy yet: a bad list fails every output, nothing written.
printf '8.8.8.8\n0.0.0.0/0\n' >"$L"
expect_exit 1 as run
expect_grep 'source "s": refused: 0.0.0.0/0 is the whole address space; no last good copy' "$T/err"
expect_grep 'output "t": sources: source "s" has no usable data: left unchanged' "$T/err"
[ ! -e "$T/o/t.txt" ] && [ ! -e "$T/o/p.cidr" ] || fail "an output was written"

# A good list.
for i in $(seq 1 10); do echo "9.9.$((i * 2)).0/24"; done >"$L"
expect_exit 0 as run
t0=$(sig "$T/o/t.txt"); p0=$(sig "$T/o/p.cidr")
cp "$T/o/t.txt" "$T/t.good"

# Each refusal keeps the last good copy: exit 3, outputs untouched.
refused() {
	expect_exit 3 as run
	expect_grep "source \"s\": refused: $1.*: keeping last good (.* old, 10 entries)" "$T/err"
	[ "$(sig "$T/o/t.txt")" = "$t0" ] && [ "$(sig "$T/o/p.cidr")" = "$p0" ] ||
		fail "output changed after: $1"
}
printf '9.9.1.0/24\n0.0.0.0/0\n' >"$L";            refused '0.0.0.0/0 is the whole address space'
printf '9.9.1.0/24\n::/0\n' >"$L";                 refused '::/0 is the whole address space'
printf '9.9.1.0/24\n4.0.0.0/7\n' >"$L";            refused '4.0.0.0/7 is broader than the hard floor /8'
printf '9.9.1.0/24\n9.0.0.0/11\n' >"$L";           refused '9.0.0.0/11 is broader than min_prefix4 = 12'
printf '9.9.1.0/24\n2a00::/20\n' >"$L";            refused '2a00::/20 is broader than min_prefix6 = 28'
printf '9.9.1.0/24\n192.168.10.0/24\n' >"$L";      refused '192.168.10.0/24 touches 192.168.0.0/16 private-use'
printf '9.9.1.0/24\n100.64.1.1\n' >"$L";           refused '100.64.1.1/32 touches 100.64.0.0/10'
printf '9.9.1.0/24\nfd12:3456::/48\n' >"$L";       refused 'fd12:3456::/48 touches fc00::/7 unique local'
printf '9.9.1.0/24\n2002:0808:0808::/48\n' >"$L";  refused '2002:808:808::/48 touches 2002::/16 6to4'
printf '# nothing\n' >"$L";                        refused 'empty list'
for i in $(seq 0 100); do echo "8.8.$i.1"; done >"$L"; refused '101 entries, more than max_entries = 100'
printf '<html><body>Just a moment...</body></html>\n' >"$L"
expect_exit 3 as run
expect_grep 'source "s": .*keeping last good' "$T/err"
cmp -s "$T/o/t.txt" "$T/t.good" || fail "text output changed"

# Shrink: 10 entries -> 2 (-80%) is held, exit 3, --force applies it.
printf "9.9.2.0/24\n9.9.4.0/24\n" >"$L"
expect_exit 3 as run
expect_grep 'output "t": held: would shrink from 10 to 2 entries (-80%, max_shrink = 50%): left unchanged (--force applies it)' "$T/err"
[ "$(sig "$T/o/t.txt")" = "$t0" ] || fail "held output changed"
expect_exit 3 as diff
expect_grep 'output "t": +0 -8 entries (10 now, 2 after) \[held: would shrink' "$T/out"
expect_exit 0 as --force run
expect_grep 'applied anyway (--force)' "$T/err"
[ "$(grep -vc '^#' "$T/o/t.txt")" -eq 2 ] || fail "--force did not apply the shrink"
expect_exit 0 as run   # now current: nothing to hold
# The baseline is what is live, not the state: a lost state directory
# cannot let an empty or shrunken list through.
for i in $(seq 1 10); do echo "9.9.$((i * 2)).0/24"; done >"$L"
expect_exit 0 as run
rm -rf "$T/state"
printf '9.9.1.0/24\n' >"$L"
expect_exit 3 as run
expect_grep 'output "p": held: would shrink from 10 to 1' "$T/err"
# allow_special / per-output max_shrink and max_growth overrides (10
# /24s to a /16 is 25x the addresses: the growth gate would hold it).
conf <<EOF2
[source s]
type = file
path = $L
allow_special = yes
[output t]
type = text
path = $T/o/t.txt
max_shrink = 100%
max_growth = 0
EOF2
printf '10.1.0.0/16\n' >"$L"
expect_exit 0 as run
grep -qx '10.1.0.0/16' "$T/o/t.txt" || fail "allow_special = yes did not let 10.1.0.0/16 through"
