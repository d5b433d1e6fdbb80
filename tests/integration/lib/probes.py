"""probes.py LIST FILE: the addresses a receiver is asked about.

For every entry of FILE (a file allowsync wrote: `#` comments, one CIDR a
line, possibly quoted or between `allow ` and `;`), its first and last
address and the addresses just outside it; IPv6 ones also in Exim's
full, unabbreviated form.  Each is printed with `yes` or `no`: whether
LIST (the text list the source read: addresses, CIDRs, A-B ranges, `#`
comments) holds it -- computed here, not by allowsync.
"""
import ipaddress
import sys

lst, out = sys.argv[1:3]
held = []
for line in open(lst):
    line = line.split('#')[0].strip()
    if not line:
        continue
    if '-' in line:
        a, b = (ipaddress.ip_address(x.strip()) for x in line.split('-'))
        held += ipaddress.summarize_address_range(a, b)
    else:
        held.append(ipaddress.ip_network(line, strict=False))

seen = set()
for line in open(out):
    line = line.strip()
    if not line or line.startswith('#'):
        continue
    if line.startswith('allow '):
        line = line[len('allow '):].rstrip(';')
    net = ipaddress.ip_network(line.strip('"'))
    top = 2 ** net.max_prefixlen - 1
    for v in (int(net.network_address), int(net.broadcast_address),
              int(net.network_address) - 1, int(net.broadcast_address) + 1):
        if not 0 <= v <= top or (net.version, v) in seen:
            continue
        seen.add((net.version, v))
        a = ipaddress.ip_address(v) if net.version == 4 else ipaddress.IPv6Address(v)
        answer = 'yes' if any(a.version == n.version and a in n for n in held) else 'no'
        print(a, answer)
        if a.version == 6 and a.exploded != str(a):
            print(a.exploded, answer)
