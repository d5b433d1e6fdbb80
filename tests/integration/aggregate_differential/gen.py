#!/usr/bin/env python3
"""Random prefix lists for allowsync aggregate, and Python's answer.

gen.py SEED COUNT LIST EXPECTED: writes LIST (entries, both families,
nested, adjacent, duplicated, at the edges of both spaces, as CIDRs,
bare addresses and A-B ranges) and EXPECTED (ipaddress.collapse_addresses
per family, IPv4 first, one CIDR a line)."""
import ipaddress
import random
import sys

seed, count, list_path, expected_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
rng = random.Random(seed)
nets = {4: [], 6: []}
lines = []

def emit_net(net):
    nets[net.version].append(net)
    form = rng.random()
    if form < 0.1 and net.prefixlen == net.max_prefixlen:
        lines.append(str(net.network_address))
    elif form < 0.2:
        lines.append(f"{net.network_address}-{net.broadcast_address}")
    elif form < 0.25:
        lines.append(f"{net.network_address} - {net.broadcast_address}")
    else:
        lines.append(str(net))

def rand_net(version):
    bits = 32 if version == 4 else 128
    kind = rng.random()
    if kind < 0.05:   # the edges of the space
        base = 0 if rng.random() < 0.5 else (1 << bits) - 1
    elif kind < 0.5:  # a crowded region: nesting and adjacency
        base = (0x0A << (bits - 8)) | rng.getrandbits(bits - 20 if version == 4 else 24) << (8 if version == 4 else bits - 44)
    else:
        base = rng.getrandbits(bits)
    plen = rng.randint(bits - 16, bits) if version == 4 else rng.choice([rng.randint(16, 64), rng.randint(100, 128)])
    return ipaddress.ip_network((base >> (bits - plen) << (bits - plen), plen) if plen else (0, 0))

for _ in range(count):
    version = 4 if rng.random() < 0.6 else 6
    r = rng.random()
    if r < 0.1 and nets[version]:            # duplicate
        net = rng.choice(nets[version])
    elif r < 0.25 and nets[version]:         # adjacent to a previous one
        prev = rng.choice(nets[version])
        nxt = int(prev.broadcast_address) + 1
        if nxt >= (1 << prev.max_prefixlen):
            continue
        net = ipaddress.ip_network((nxt, prev.max_prefixlen))
    elif r < 0.35 and nets[version]:         # nested in a previous one
        prev = rng.choice(nets[version])
        plen = rng.randint(prev.prefixlen, prev.max_prefixlen)
        net = rng.choice(list(prev.subnets(new_prefix=plen)) if plen - prev.prefixlen < 6 else [next(prev.subnets(new_prefix=plen))])
    else:
        net = rand_net(version)
    emit_net(net)
# A range that is not one CIDR.
lines.append("192.0.2.3-192.0.2.77")
nets[4].extend(ipaddress.summarize_address_range(ipaddress.ip_address("192.0.2.3"), ipaddress.ip_address("192.0.2.77")))

with open(list_path, "w") as f:
    f.write("\n".join(lines) + "\n")
with open(expected_path, "w") as f:
    for v in (4, 6):
        for n in ipaddress.collapse_addresses(nets[v]):
            f.write(f"{n}\n")
