#!/usr/bin/env python3
"""Reference address counts for test_pset's differential test.

Random sets of both families (fixed seed: the same sets every run),
drawn around a few bases so that prefixes overlap, nest and touch; each
with random exclusions.  Python's ipaddress counts them, independently
of pset: the union with collapse_addresses, the exclusions by interval
subtraction.  Output, per set:
    set
    p PREFIX        (an entry)
    x PREFIX        (an exclusion)
    c4 N c6 N       (addresses of the union)
    d4 N d6 N       (of the union minus the exclusions)
    f4 TEXT         (the union's IPv4 count with thousands separators)
"""
import ipaddress
import random
import sys

rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
N_SETS = int(sys.argv[2]) if len(sys.argv) > 2 else 200


def rand_net(v):
    bits = 32 if v == 4 else 128
    lo, hi = (8, 32) if v == 4 else (16, 128)
    length = rng.randint(lo, hi)
    base = rng.choice(BASES[v])
    # near a base (overlaps) or anywhere (the whole space, its top too)
    if rng.random() < 0.7:
        addr = base + rng.randrange(1 << max(0, bits - 10))
    else:
        addr = rng.randrange(1 << bits)
    addr &= ~((1 << (bits - length)) - 1) & ((1 << bits) - 1)
    cls = ipaddress.IPv4Network if v == 4 else ipaddress.IPv6Network
    return cls((addr, length))


BASES = {4: [rng.randrange(1 << 32) for _ in range(4)] + [0xFFFFFF00],
         6: [rng.randrange(1 << 128) for _ in range(4)] + [(1 << 128) - (1 << 20)]}
for v in (4, 6):
    bits = 32 if v == 4 else 128
    BASES[v] = [b & ((1 << bits) - 1) & ~((1 << (bits - 10)) - 1) for b in BASES[v]]


def intervals(nets):
    return sorted((int(n.network_address), int(n.broadcast_address)) for n in nets)


def subtract(a, b):
    out = []
    for lo, hi in a:
        cur = lo
        for xlo, xhi in b:
            if xhi < cur or xlo > hi:
                continue
            if xlo > cur:
                out.append((cur, xlo - 1))
            cur = max(cur, xhi + 1)
            if cur > hi:
                break
        if cur <= hi:
            out.append((cur, hi))
    return out


for _ in range(N_SETS):
    print("set")
    counts, left = {}, {}
    for v in (4, 6):
        nets = [rand_net(v) for _ in range(rng.randint(0, 60))]
        excl = [rand_net(v) for _ in range(rng.randint(0, 6))]
        for n in nets:
            print("p", n)
        for n in excl:
            print("x", n)
        merged = list(ipaddress.collapse_addresses(nets))
        counts[v] = sum(n.num_addresses for n in merged)
        xm = intervals(ipaddress.collapse_addresses(excl))
        left[v] = sum(hi - lo + 1 for lo, hi in subtract(intervals(merged), xm))
    print("c4", counts[4], "c6", counts[6])
    print("d4", left[4], "d6", left[6])
    print("f4", f"{counts[4]:,}")
