#!/bin/sh
# Guards on what a list grants, not only on each line (issue 15): 1,024
# /13s (each within min_prefix4 = 12) merge into 128.0.0.0/3 and are
# refused — on a first run (nothing written, exit 1) and on a later one
# (last good kept, exit 3); the address caps; two sources that pass one
# by one but merge into something too broad in an output; the growth
# gate (held with the real figures, diff shows it, status reports it,
# --force applies it); entries that merge while addresses grow are
# growth, not shrinking.
. ../lib/pipe.sh
L=$T/list.txt
conf <<EOF2
[source s]
type = file
path = $L
max_entries = 5000
[output t]
type = text
path = $T/o/t.txt
EOF2

slash13s() { python3 -c 'import ipaddress
for n in ipaddress.ip_network("128.0.0.0/3").subnets(new_prefix=13): print(n)'; }

# First run: no last good copy, nothing written, exit 1.
slash13s >"$L"
[ "$(wc -l <"$L")" -eq 1024 ] || fail "not 1024 /13s"
expect_exit 1 as run
expect_grep 'source "s": refused: 1024 entries merge into 128.0.0.0/3, broader than min_prefix4 = 12; no last good copy' "$T/err"
[ ! -e "$T/o/t.txt" ] || fail "output written on a first run"
echo "ok   1024 /13s refused on a first run"

# A good list (GitHub's hooks, 10,240 IPv4 addresses), then the /13s again.
printf '192.30.252.0/22\n185.199.108.0/22\n140.82.112.0/20\n143.55.64.0/20\n' >"$L"
expect_exit 0 as run
t0=$(sig "$T/o/t.txt")
slash13s >"$L"
expect_exit 3 as run
expect_grep 'source "s": refused: 1024 entries merge into 128.0.0.0/3, broader than min_prefix4 = 12: keeping last good (.* old, 4 entries)' "$T/err"
[ "$(sig "$T/o/t.txt")" = "$t0" ] || fail "output changed"
echo "ok   1024 /13s refused on a later run, last good kept (exit 3)"

# Below the hard floor, whatever min_prefix4 says.
python3 -c 'import ipaddress
for n in ipaddress.ip_network("64.0.0.0/7").subnets(new_prefix=9): print(n)' >"$L"
conf "min_prefix4 = 8" <<EOF2
[source s]
type = file
path = $L
[output t]
type = text
path = $T/o/t.txt
EOF2
expect_exit 3 as run
expect_grep 'source "s": refused: 4 entries merge into 64.0.0.0/7, broader than the hard floor /8' "$T/err"

# The address caps: per source ...
printf '9.0.0.0/12\n11.0.0.0/12\n' >"$L"
conf "max_addresses4 = 2000000" <<EOF2
[source s]
type = file
path = $L
[output t]
type = text
path = $T/o/t.txt
EOF2
expect_exit 3 as run
expect_grep 'source "s": refused: grants 2,097,152 IPv4 addresses, more than max_addresses4 = 2,000,000' "$T/err"
echo "ok   max_addresses4 per source"

# ... and per output, over the union of its sources (each passes alone;
# the floors are the sources', the caps the output's too).
printf '9.0.0.0/12\n' >"$L"; printf '9.32.0.0/12\n' >"$T/l2.txt"
conf <<EOF2
[source s]
type = file
path = $L
[source s2]
type = file
path = $T/l2.txt
[output t]
type = text
path = $T/o/t.txt
max_addresses4 = /12
EOF2
expect_exit 1 as run
expect_grep 'output "t": refused: grants 2,097,152 IPv4 addresses, more than max_addresses4 = 1,048,576: left unchanged' "$T/err"
echo "ok   caps per output"

# Growth: GitHub's 10,240 addresses gain eight /12s (~820x).
conf <<EOF2
[source s]
type = file
path = $L
[output t]
type = text
path = $T/o/t.txt
EOF2
printf '192.30.252.0/22\n185.199.108.0/22\n140.82.112.0/20\n143.55.64.0/20\n' >"$L"
expect_exit 0 as run
t0=$(sig "$T/o/t.txt")
{ cat "$L"; for i in 0 32 64 96 128 160 192 224; do echo "20.$i.0.0/12"; done; } >"$T/l.new"
mv "$T/l.new" "$L"
expect_exit 3 as run
expect_grep 'output "t": held: would grow from 10,240 to 8,398,848 IPv4 addresses (more than max_growth 10x): left unchanged (--force applies it)' "$T/err"
[ "$(sig "$T/o/t.txt")" = "$t0" ] || fail "held output changed"
expect_exit 3 as diff
expect_grep 'output "t": +8 -0 entries (4 now, 12 after) \[held: would grow from 10,240 to 8,398,848 IPv4 addresses (more than max_growth 10x)\]' "$T/out"
expect_exit 0 as status
expect_grep 'output "t" (text): .*; last error: held: would grow from 10,240 to 8,398,848 IPv4 addresses (more than max_growth 10x) (--force applies it)' "$T/out"
expect_exit 0 as --force run
expect_grep 'output "t": would grow from 10,240 to 8,398,848 IPv4 addresses (more than max_growth 10x): applied anyway (--force)' "$T/err"
[ "$(grep -vc '^#' "$T/o/t.txt")" -eq 12 ] || fail "--force did not apply the growth"
expect_exit 0 as status
if grep -q 'output "t".*last error' "$T/out"; then fail "hold still reported"; fi
echo "ok   growth held with its figures, diff and status show it, --force applies it"

# Entries merging while addresses grow: growth, not a shrink.
for i in $(seq 0 39); do echo "30.1.$i.0/24"; done >"$L"
expect_exit 0 as --force run
printf '30.0.0.0/12\n' >"$L"
expect_exit 3 as run
expect_grep 'output "t": held: would grow from 10,240 to 1,048,576 IPv4 addresses (more than max_growth 10x)' "$T/err"
if grep -q 'shrink' "$T/err"; then fail "merging reported as a shrink"; fi
echo "ok   merging entries are growth, not shrinking"

# Growth of entries, and max_growth = 0 turns the gate off.
printf '9.9.9.0/24\n' >"$L"
expect_exit 0 as --force run
{ echo 9.9.9.0/24; for i in 0 2 4 6 8 10 12 14 16 18; do echo "9.9.$i.1"; done; } >"$L"
expect_exit 3 as run
expect_grep 'output "t": held: would grow from 1 to 11 entries (more than max_growth 10x)' "$T/err"
conf "max_growth = 0" <<EOF2
[source s]
type = file
path = $L
[output t]
type = text
path = $T/o/t.txt
EOF2
expect_exit 0 as run
echo "ok   entries growth; max_growth = 0"
