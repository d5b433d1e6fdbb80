#!/bin/sh
# type = exim: the iplsearch file asked by Debian's real Exim (`exim -be`,
# see lib/exim.sh for how it runs beside postfix).  At and just outside
# the edges of every entry, in both families (IPv6 in compressed and in
# full form), as a ${lookup} and as the host list net-iplsearch;FILE an
# ACL's `hosts =` takes: Exim finds exactly what the list holds.  An
# IPv6 key unquoted would not be found (Exim ends it at its first
# colon), which is why allowsync quotes them.  An empty list is a valid
# file in which nothing is found.
. ../lib/pipe.sh
. ../lib/exim.sh
command -v python3 >/dev/null || skip "python3 not installed"

cat >"$T/list" <<'L'
# hosts, ranges on no CIDR boundary, adjacent blocks, both families
127.0.0.2
192.0.2.0/25
192.0.2.128/25
198.51.100.7-198.51.100.20
223.255.255.255
::1
2001:db8::/32
2001:db8:ffff:ffff:ffff:ffff:ffff:fffe-2001:db9::5
2a00:1450:4000::1
L
conf "allow_special = yes" <<CONF
[source list]
type = file
path = $T/list

[output mta]
type = exim
path = $T/o/relays

[output nothing]
type = exim
path = $T/o/empty
exclude = 0.0.0.0/0 ::/0
CONF
expect_exit 0 as run
expect_grep '^192.0.2.0/24$' "$T/o/relays"
expect_grep '^"2001:db8::/32"$' "$T/o/relays"
expect_grep '^"::1/128"$' "$T/o/relays"
exim_be '${lookup{127.0.0.2}iplsearch{'"$T/o/relays"'}{yes}{no}}' >"$T/one" 2>&1 ||
	{ cat "$T/one" >&2; fail "exim -be failed"; }
[ "$(cat "$T/one")" = yes ] || { cat "$T/one" >&2; fail "127.0.0.2 not found"; }

python3 "$LIB/probes.py" "$T/list" "$T/o/relays" >"$T/probes"
[ "$(wc -l <"$T/probes")" -gt 30 ] || fail "too few probes: $(wc -l <"$T/probes")"
grep -q ':' "$T/probes" || fail "no IPv6 probes"
# One Exim run: each argument is expanded, one line each.
set --
while read -r addr want; do
	set -- "$@" '${lookup{'"$addr"'}iplsearch{'"$T/o/relays"'}{yes}{no}}' \
		'${if match_ip{'"$addr"'}{net-iplsearch;'"$T/o/relays"'}{yes}{no}}'
done <"$T/probes"
exim_be "$@" >"$T/answers" 2>"$T/exim.err" || { cat "$T/exim.err" >&2; fail "exim -be failed"; }
[ ! -s "$T/exim.err" ] || { cat "$T/exim.err" >&2; fail "exim complained"; }
n=0
while read -r addr want; do
	n=$((n + 1))
	got=$(sed -n "$((2 * n - 1)),$((2 * n))p" "$T/answers" | tr '\n' ' ')
	[ "$got" = "$want $want " ] || fail "$addr: exim says \"$got\", the list says $want"
done <"$T/probes"
echo "$n addresses asked, lookup and host list agree with the list"

# The empty list: comments only, a valid file where nothing is found.
! grep -qv '^#' "$T/o/empty" || fail "the empty list holds more than comments"
[ "$(exim_be '${lookup{127.0.0.2}iplsearch{'"$T/o/empty"'}{yes}{no}}' 2>&1)" = no ] ||
	fail "a lookup in the empty file did not simply fail"

# Why IPv6 keys are quoted: unquoted, Exim ends the key at its colon.
grep -v '^#' "$T/o/relays" | tr -d '"' >"$T/unquoted"
[ "$(exim_be '${lookup{2001:db8::1}iplsearch{'"$T/unquoted"'}{yes}{no}}' 2>&1)" = no ] ||
	fail "Exim found an unquoted IPv6 key: the quoting rule has changed"
echo ok
