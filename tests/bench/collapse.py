#!/usr/bin/env python3
"""collapse.py FILE: Python's ipaddress.collapse_addresses, IPv4 first."""
import ipaddress
import sys

nets = {4: [], 6: []}
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if line:
            n = ipaddress.ip_network(line, strict=False)
            nets[n.version].append(n)
for v in (4, 6):
    for n in ipaddress.collapse_addresses(nets[v]):
        print(n)
