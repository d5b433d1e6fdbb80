#!/usr/bin/env python3
"""gen_list.py SEED COUNT FAMILY: a seeded random prefix list on stdout.

About a third of the entries land in a crowded /8 (so they nest and
touch), a tenth repeat an earlier entry, a tenth sit right after one.
FAMILY is 4 or 6."""
import random
import sys

seed, count, fam = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
bits = 32 if fam == 4 else 128
out = []
prev = []

def fmt(v, plen):
    if fam == 4:
        return f"{v >> 24}.{v >> 16 & 255}.{v >> 8 & 255}.{v & 255}/{plen}"
    groups = [(v >> (112 - 16 * i)) & 0xffff for i in range(8)]
    return ":".join(f"{g:x}" for g in groups) + f"/{plen}"

for i in range(count):
    r = rng.random()
    if r < 0.1 and prev:
        out.append(rng.choice(prev)[2])
        continue
    if r < 0.2 and prev:
        v, plen, _ = rng.choice(prev)
        v = (v + (1 << (bits - plen))) % (1 << bits)
    else:
        plen = rng.randint(16, 32) if fam == 4 else rng.choice((rng.randint(24, 64), rng.randint(96, 128)))
        v = rng.getrandbits(bits)
        if r < 0.5:
            v = (0x0A << (bits - 8)) | (v & ((1 << (bits - 8)) - 1))
        v = v >> (bits - plen) << (bits - plen)
    text = fmt(v, plen)
    prev.append((v, plen, text))
    if len(prev) > 4096:
        prev = prev[2048:]
    out.append(text)
sys.stdout.write("\n".join(out) + "\n")
