#!/usr/bin/env python3
"""fleet.py CONCURRENCY CMDFILE: run every command of CMDFILE (one a line,
shell words), at most CONCURRENCY at a time, as a fleet of edges polling
one hub would.  Prints "total_s median_ms mean_ms failures": the whole
fleet's wall time and each run's own (start to exit)."""
import shlex, statistics, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

conc, path = int(sys.argv[1]), sys.argv[2]
cmds = [shlex.split(l) for l in open(path) if l.strip()]


def one(cmd):
    s = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - s, r.returncode


t0 = time.perf_counter()
with ThreadPoolExecutor(conc) as ex:
    res = list(ex.map(one, cmds))
total = time.perf_counter() - t0
walls = [w for w, _ in res]
bad = sum(1 for _, rc in res if rc != 0)
print("%.2f %.1f %.1f %d" % (total, statistics.median(walls) * 1000,
                             statistics.mean(walls) * 1000, bad))
