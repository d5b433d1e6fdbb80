#!/bin/sh
# Every generated Postfix cidr table, queried with the real postmap: the
# first and last address of each entry and the addresses just outside
# it; the result is the configured one exactly where the list says so,
# and Postfix prints no warning at all.
. ../lib/pipe.sh
command -v postmap >/dev/null || skip "postmap not installed (make deps installs postfix)"
command -v python3 >/dev/null || skip "python3 not installed"

# Postfix wants a main.cf; an empty one in our own config directory.
mkdir -p "$T/pf"
: >"$T/pf/main.cf"

cat >"$T/list.txt" <<'L'
# hosts, odd ranges, adjacent blocks, both families, both ends of the space
8.8.8.8
1.0.0.0/24
1.0.1.0/24
45.10.3.7-45.10.5.200
200.1.2.3/31
223.255.255.0/24
1.1.1.255
2a00:1450:4000::/37
2606:4700::6810:84e5
2c0f:fff0::-2c0f:fff0::1:5
2a0e:97c0:38f::/48
L
for result in OK permit dunno; do
	conf <<EOF2
[source list]
type = file
path = $T/list.txt
[output pf]
type = postfix
path = $T/o/allow.cidr
result = $result
[output v4only]
type = postfix
path = $T/o/four.cidr
exclude = ::/0
EOF2
	expect_exit 0 as run
	for table in "$T/o/allow.cidr" "$T/o/four.cidr"; do
		want=$result; [ "$table" = "$T/o/four.cidr" ] && want=OK
		# Queries and the answers the list implies, computed independently.
		python3 - "$T/list.txt" "$table" "$want" >"$T/queries" <<'PY'
import ipaddress, sys
lst, table, result = sys.argv[1:4]
nets = []
for line in open(lst):
    line = line.split('#')[0].strip()
    if not line:
        continue
    if '-' in line:
        a, b = (ipaddress.ip_address(x.strip()) for x in line.split('-'))
        nets += list(ipaddress.summarize_address_range(a, b))
    else:
        nets.append(ipaddress.ip_network(line, strict=False))
v4only = table.endswith('four.cidr')
if v4only:
    nets = [n for n in nets if n.version == 4]
def held(a):
    return any(a.version == n.version and a in n for n in nets)
seen = set()
for line in open(table):
    if line.startswith('#'):
        continue
    net = ipaddress.ip_network(line.split('\t')[0])
    top = 2**32 - 1 if net.version == 4 else 2**128 - 1
    for v in (int(net.network_address), int(net.broadcast_address),
              int(net.network_address) - 1, int(net.broadcast_address) + 1):
        if 0 <= v <= top:
            a = ipaddress.IPv4Address(v) if net.version == 4 else ipaddress.IPv6Address(v)
            if a not in seen:
                seen.add(a)
                print(a, result if held(a) else '-')
PY
		[ -s "$T/queries" ] || fail "no queries for $table"
		n=0
		while read -r addr expect; do
			got=$(postmap -c "$T/pf" -q "$addr" "cidr:$table" 2>"$T/pmerr") || got=-
			if grep -q 'warning:\|fatal:\|error:' "$T/pmerr"; then
				cat "$T/pmerr" >&2
				fail "postmap complained about $table"
			fi
			[ "$got" = "$expect" ] || fail "$table: $addr gave \"$got\", wanted \"$expect\""
			n=$((n + 1))
		done <"$T/queries"
		echo "result=$result $(basename "$table"): $n addresses checked"
	done
done
# The table is the format Postfix documents: no blank or indented lines.
! grep -q '^[[:space:]]' "$T/o/allow.cidr" || fail "indented line"
! grep -q '[[:space:]]$' "$T/o/allow.cidr" || fail "trailing white space"
