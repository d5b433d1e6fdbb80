#!/bin/sh
# status --json and diff --json (issue 16): after real runs -- a url
# source over HTTPS (real nginx) whose URL carries a query token, a file
# source that goes missing and is served from its last good copy, a
# static one, an output a shrink gate holds, an output that fails -- each
# field of each document checked with python3's json module: names,
# types, values, nulls where nothing is known; the exit codes those of
# plain diff; the token nowhere in either document.
. ../lib/pipe.sh
. ../lib/https.sh

TOKEN=t0kenJS0N99
https_certs "$T/ca"
mkdir -p "$T/www"
printf '203.0.113.0/24\n' >"$T/www/list.txt"
nginx_start "$T/www"
url=https://localhost:$port/list.txt?token=$TOKEN
shown=https://localhost:$port/list.txt?token=REDACTED

printf '192.0.2.0/25\n2001:db8::/48\n' >"$T/extra.txt"
# (Apart: adjacent /24s would merge.)
for i in $(seq 1 10); do echo "10.9.$((i * 2)).0/24"; done >"$T/big.txt"

# json_conf [broken]: the sources and outputs; with "broken", one more
# output whose source has never had data.
json_conf() {
	{
		cat <<EOF2
[source feed]
type = url
url = $url
[source extra]
type = file
path = $T/extra.txt
[source mine]
type = static
prefixes = 198.51.100.7 198.51.100.8/31
[source big]
type = file
path = $T/big.txt
[output plain]
type = text
path = $T/o/plain.txt
sources = feed extra mine
[output held]
type = text
path = $T/o/held.txt
sources = big
EOF2
		if [ "${1:-}" = broken ]; then
			cat <<EOF2
[source gone]
type = file
path = $T/gone.txt
[output broken]
type = text
path = $T/o/broken.txt
sources = mine gone
EOF2
		fi
	} | conf "allow_special = yes" "ca_file = $T/ca/ca.pem" "timeout = 10"
}

# The checks: python3 with these helpers, then the phase's code on stdin;
# argv[1] the status document, argv[2] the diff document.
cat >"$T/jcheck.py" <<'PY'
import datetime, json, os, sys

def load(path):
    with open(path) as f:
        text = f.read()
    # Printed once: one line, one newline.
    if text.count("\n") != 1 or not text.endswith("\n"):
        sys.exit("%s: not one line: %r" % (path, text[:200]))
    if os.environ["TOKEN"] in text:
        sys.exit("%s: the token is in it: %s" % (path, text))
    return json.loads(text)

def eq(what, got, want):
    if got != want or type(got) != type(want):
        sys.exit("%s: %r, wanted %r" % (what, got, want))

def when(what, v):
    """An RFC 3339 UTC time, as seconds since the epoch."""
    if not isinstance(v, str) or not v.endswith("Z"):
        sys.exit("%s: %r is not an RFC 3339 UTC time" % (what, v))
    return int(datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())

def within(what, v, lo, hi):
    t = when(what, v)
    if not lo <= t <= hi:
        sys.exit("%s: %s, not between %d and %d" % (what, v, lo, hi))
    return t

def by_name(what, arr, names):
    eq(what + " names", [e["name"] for e in arr], names)
    return {e["name"]: e for e in arr}

SOURCE_KEYS = ["name", "type", "origin", "last_success", "last_attempt", "last_good",
               "age", "entries", "addresses4", "addresses6", "partial", "last_error",
               "retry_after", "served_from_last_good", "last_good_usable",
               "last_good_unusable"]
OUTPUT_KEYS = ["name", "type", "target", "sources", "entries", "last_change",
               "last_applied", "held", "hook_pending", "last_error"]
PLAN_KEYS = ["name", "type", "target", "entries_now", "entries_after", "added_count",
             "removed_count", "added", "removed", "held", "error"]

def keys(what, obj, want):
    eq(what + " keys", list(obj), want)

E = os.environ
T = E["T"]
T1, T2 = int(E.get("T1", 0)), int(E.get("T2", 0))  # this phase's run began, ended
PY
pycheck() {
	{ cat "$T/jcheck.py"; cat; } >"$T/phase.py"
	T=$T TOKEN=$TOKEN SHOWN=$shown python3 "$T/phase.py" "$@" || fail "JSON checks: $*"
}
# status_json / diff_json [EXIT]: the document in $T/status.json or
# $T/diff.json, nothing on stderr; diff exits as plain diff does (EXIT),
# its +/- lines kept in $T/diff.txt.
status_json() {
	expect_exit 0 as status --json
	[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "status --json wrote to stderr"; }
	cp "$T/out" "$T/status.json"
}
diff_json() {
	expect_exit "$1" as diff
	cp "$T/out" "$T/diff.txt"
	expect_exit "$1" as diff --json
	cp "$T/out" "$T/diff.json"
}
# timed EXIT: a run that exits EXIT, its start and end in T1, T2.
timed() {
	T1=$(date +%s)
	expect_exit "$1" as run
	T2=$(date +%s)
	export T1 T2
}

json_conf

# 0. Before any run: every source and output, nothing known; diff plans
# from nothing and, like plain diff, records nothing.
status_json
diff_json 0
[ ! -e "$T/state/run.status" ] || fail "diff recorded a run"
pycheck "$T/status.json" "$T/diff.json" <<'PY'
s = load(sys.argv[1])
keys("status", s, ["state_dir", "time", "last_run", "sources", "outputs"])
eq("state_dir", s["state_dir"], T + "/state")
eq("last_run", s["last_run"], {"start": None, "end": None, "exit_code": None})
src = by_name("sources", s["sources"], ["feed", "extra", "mine", "big"])
for n, e in src.items():
    keys(n, e, SOURCE_KEYS)
    for k in SOURCE_KEYS[2:10] + ["last_error", "retry_after"]:
        eq(n + "." + k, e[k], None)
    eq(n + ".served_from_last_good", e["served_from_last_good"], False)
    eq(n + ".last_good_usable", e["last_good_usable"], False)
    eq(n + ".last_good_unusable", e["last_good_unusable"], "no last good copy")
eq("feed.type", src["feed"]["type"], "url")
eq("mine.type", src["mine"]["type"], "static")
out = by_name("outputs", s["outputs"], ["plain", "held"])
for n, e in out.items():
    keys(n, e, OUTPUT_KEYS)
    eq(n + ".target", e["target"], "%s/o/%s.txt" % (T, n))
    for k in ["entries", "last_change", "last_applied", "last_error"]:
        eq(n + "." + k, e[k], None)
    eq(n + ".held", e["held"], False)
    eq(n + ".hook_pending", e["hook_pending"], False)
eq("plain.sources", out["plain"]["sources"], ["feed", "extra", "mine"])

d = load(sys.argv[2])
keys("diff", d, ["outputs"])
plan = by_name("diff outputs", d["outputs"], ["plain", "held"])
for n, e in plan.items():
    keys(n, e, PLAN_KEYS)
    eq(n + ".type", e["type"], "text")
    eq(n + ".entries_now", e["entries_now"], 0)
    eq(n + ".removed", e["removed"], [])
    eq(n + ".held", e["held"], None)
    eq(n + ".error", e["error"], None)
p = plan["plain"]
eq("plain.added", p["added"], ["192.0.2.0/25", "198.51.100.7/32", "198.51.100.8/31",
                               "203.0.113.0/24", "2001:db8::/48"])
eq("plain.added_count", p["added_count"], 5)
eq("plain.entries_after", p["entries_after"], 5)
eq("held.added", plan["held"]["added"], ["10.9.%d.0/24" % (2 * i) for i in range(1, 11)])
PY
# The same lines as plain diff's.
python3 - "$T/diff.json" "$T/diff.txt" <<'PY' || fail "diff --json and diff disagree"
import json, sys
d = json.load(open(sys.argv[1]))
want = []
for o in d["outputs"]:
    want.append('output "%s": +%d -%d entries (%d now, %d after)' % (
        o["name"], o["added_count"], o["removed_count"], o["entries_now"], o["entries_after"]))
    # Per family: removed, then added (IPv4 first).
    for fam in (lambda c: ":" not in c, lambda c: ":" in c):
        want += ["-" + c for c in o["removed"] if fam(c)]
        want += ["+" + c for c in o["added"] if fam(c)]
got = open(sys.argv[2]).read().splitlines()
if got != want:
    sys.exit("diff: %r\njson: %r" % (got, want))
PY

# 1. A good run: every source fresh, every output applied.
timed 0
status_json
pycheck "$T/status.json" <<'PY'
s = load(sys.argv[1])
eq("last_run.exit_code", s["last_run"]["exit_code"], 0)
start = within("last_run.start", s["last_run"]["start"], T1, T2)
within("last_run.end", s["last_run"]["end"], start, T2)
within("time", s["time"], T2, T2 + 60)
src = by_name("sources", s["sources"], ["feed", "extra", "mine", "big"])
f = src["feed"]
eq("feed.origin", f["origin"], E["SHOWN"])
for k in ["last_success", "last_attempt", "last_good"]:
    within("feed." + k, f[k], T1, T2)
if not isinstance(f["age"], int) or not 0 <= f["age"] <= 60:
    sys.exit("feed.age: %r" % f["age"])
eq("feed.entries", f["entries"], 1)
eq("feed.addresses4", f["addresses4"], 256)
eq("feed.addresses6", f["addresses6"], 0)
x = src["extra"]
eq("extra.origin", x["origin"], "file %s/extra.txt" % T)
eq("extra.entries", x["entries"], 2)
eq("extra.addresses4", x["addresses4"], 128)
eq("extra.addresses6", x["addresses6"], 2 ** 80)  # exact, past 2^53
eq("mine.origin", src["mine"]["origin"], "configuration")
eq("mine.addresses4", src["mine"]["addresses4"], 3)
for n, e in src.items():
    eq(n + ".last_error", e["last_error"], None)
    eq(n + ".served_from_last_good", e["served_from_last_good"], False)
    eq(n + ".last_good_usable", e["last_good_usable"], True)
    eq(n + ".last_good_unusable", e["last_good_unusable"], None)
    eq(n + ".partial", e["partial"], False)
    eq(n + ".retry_after", e["retry_after"], None)
out = by_name("outputs", s["outputs"], ["plain", "held"])
eq("plain.entries", out["plain"]["entries"], 5)
eq("held.entries", out["held"]["entries"], 10)
for n, e in out.items():
    within(n + ".last_change", e["last_change"], T1, T2)
    within(n + ".last_applied", e["last_applied"], T1, T2)
    eq(n + ".held", e["held"], False)
    eq(n + ".last_error", e["last_error"], None)
PY

# 2. The file goes missing (served from its last good copy) and big
# would lose 8 of its 10 entries (held): degraded.
rm "$T/extra.txt"
printf '10.9.2.0/24\n10.9.4.0/24\n' >"$T/big.txt"
# (The runs' times must tell run 1 from run 2.)
next_second "$T2"
timed 3
expect_grep "source \"extra\": $T/extra.txt: .*keeping last good" "$T/err"
status_json
pycheck "$T/status.json" <<'PY'
s = load(sys.argv[1])
eq("last_run.exit_code", s["last_run"]["exit_code"], 3)
within("last_run.start", s["last_run"]["start"], T1, T2)
src = by_name("sources", s["sources"], ["feed", "extra", "mine", "big"])
x = src["extra"]
eq("extra.served_from_last_good", x["served_from_last_good"], True)
within("extra.last_attempt", x["last_attempt"], T1, T2)
if when("extra.last_success", x["last_success"]) >= T1:
    sys.exit("extra.last_success is this run's: %s" % x["last_success"])
eq("extra.last_error", x["last_error"], "%s/extra.txt: No such file or directory" % T)
eq("extra.entries", x["entries"], 2)
eq("extra.last_good_usable", x["last_good_usable"], True)
if not x["age"] >= 1:
    sys.exit("extra.age: %r" % x["age"])
for n in ["feed", "mine", "big"]:
    eq(n + ".served_from_last_good", src[n]["served_from_last_good"], False)
    within(n + ".last_success", src[n]["last_success"], T1, T2)
out = by_name("outputs", s["outputs"], ["plain", "held"])
h = out["held"]
eq("held.held", h["held"], True)
eq("held.last_error", h["last_error"],
   "held: would shrink from 10 to 2 entries (-80%, max_shrink = 50%) (--force applies it)")
eq("held.entries", h["entries"], 10)
if when("held.last_change", h["last_change"]) >= T1:
    sys.exit("held.last_change moved: %s" % h["last_change"])
p = out["plain"]
eq("plain.held", p["held"], False)
eq("plain.entries", p["entries"], 5)
within("plain.last_applied", p["last_applied"], T1, T2)
if when("plain.last_change", p["last_change"]) >= T1:
    sys.exit("plain.last_change moved though nothing changed: %s" % p["last_change"])
PY

# 3. An output with a source that never had data fails (exit 1); the
# file is back, another half of its /24: diff shows both ways.
json_conf broken
printf '192.0.2.128/25\n2001:db8::/48\n' >"$T/extra.txt"
diff_json 1
pycheck "$T/diff.json" <<'PY'
d = load(sys.argv[1])
plan = by_name("diff outputs", d["outputs"], ["plain", "held", "broken"])
p = plan["plain"]
eq("plain.added", p["added"], ["192.0.2.128/25"])
eq("plain.removed", p["removed"], ["192.0.2.0/25"])
eq("plain.counts", [p["added_count"], p["removed_count"], p["entries_now"], p["entries_after"]],
   [1, 1, 5, 5])
eq("plain.held", p["held"], None)
eq("plain.error", p["error"], None)
h = plan["held"]
eq("held.held", h["held"], "would shrink from 10 to 2 entries (-80%, max_shrink = 50%)")
eq("held.removed_count", h["removed_count"], 8)
eq("held.removed", h["removed"], ["10.9.%d.0/24" % (2 * i) for i in range(3, 11)])
eq("held.added", h["added"], [])
b = plan["broken"]
keys("broken", b, PLAN_KEYS)
eq("broken.error", b["error"], 'sources: source "gone" has no usable data')
for k in PLAN_KEYS[3:10]:
    eq("broken." + k, b[k], None)
PY
# The plain diff names the same outputs but the failed one.
expect_grep '^output "plain": +1 -1 entries (5 now, 5 after)$' "$T/diff.txt"
! grep -q '"broken"' "$T/diff.txt" || fail "plain diff printed the failed output"
next_second "$T2"
timed 1
status_json
pycheck "$T/status.json" <<'PY'
s = load(sys.argv[1])
eq("last_run.exit_code", s["last_run"]["exit_code"], 1)
src = by_name("sources", s["sources"], ["feed", "extra", "mine", "big", "gone"])
g = src["gone"]
eq("gone.last_error", g["last_error"], "%s/gone.txt: No such file or directory" % T)
within("gone.last_attempt", g["last_attempt"], T1, T2)
for k in ["origin", "last_success", "last_good", "age", "entries", "addresses4", "addresses6"]:
    eq("gone." + k, g[k], None)
eq("gone.served_from_last_good", g["served_from_last_good"], False)
eq("gone.last_good_unusable", g["last_good_unusable"], "no last good copy")
x = src["extra"]
eq("extra.served_from_last_good", x["served_from_last_good"], False)
eq("extra.last_error", x["last_error"], None)
within("extra.last_good", x["last_good"], T1, T2)
out = by_name("outputs", s["outputs"], ["plain", "held", "broken"])
b = out["broken"]
keys("broken", b, OUTPUT_KEYS)
eq("broken.last_error", b["last_error"], 'sources: source "gone" has no usable data')
for k in ["entries", "last_change", "last_applied"]:
    eq("broken." + k, b[k], None)
eq("broken.held", b["held"], False)
eq("broken.sources", b["sources"], ["mine", "gone"])
within("plain.last_change", out["plain"]["last_change"], T1, T2)
eq("held.held", out["held"]["held"], True)
PY

# 4. The url source fails: its error names the URL, token redacted, in
# the document as in the messages; its last good copy serves.
rm "$T/www/list.txt"
next_second "$T2"
timed 1
expect_grep "source \"feed\": $shown: HTTP 404" "$T/err"
status_json
diff_json 1
pycheck "$T/status.json" "$T/diff.json" <<'PY'
s = load(sys.argv[1])
f = by_name("sources", s["sources"], ["feed", "extra", "mine", "big", "gone"])["feed"]
eq("feed.last_error", f["last_error"], E["SHOWN"] + ": HTTP 404 Not Found")
eq("feed.origin", f["origin"], E["SHOWN"])
eq("feed.served_from_last_good", f["served_from_last_good"], True)
eq("feed.entries", f["entries"], 1)
load(sys.argv[2])
PY
! grep -rqF "$TOKEN" "$T/status.json" "$T/diff.json" "$T/diff.txt" "$T/state" ||
	fail "the token is in a document or the state"

# Usage: --json is status's and diff's; nothing else on the line.
expect_exit 2 as status --json extra
expect_exit 2 as status --yaml
expect_exit 2 as run --json
expect_grep 'usage: allowsync run' "$T/err"
echo ok
