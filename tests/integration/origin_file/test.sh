#!/bin/sh
# A last good copy belongs to the origin that produced it (DESIGN.md), a
# file source here:
# - its path changed to a broken one: the old file's copy does not serve
#   (exit 1, "origin changed (path)"), the output stays as it was, status
#   says why; nor with --offline;
# - changed back, the copy is that origin's again (exit 3 on a failure);
# - a new path that delivers is applied, and its copy is the one kept;
#   a changed limit (max_stale, max_entries) is the same origin;
# - a copy dated in the future (the clock moved back) is reported as
#   such, and does not serve beyond a 5-minute slack;
# - a copy written by an older allowsync (list version 2, no
#   fingerprint) is an unknown origin: not served until a fresh one.
. ../lib/pipe.sh

printf '9.9.9.0/24\n' >"$T/a.txt"
printf '9.9.9.0/24\n8.8.8.0/24\n' >"$T/b.txt"
file_conf() {
	src=$1; shift
	{
		printf '[source f]\ntype = file\npath = %s\n' "$src"
		for l in "$@"; do printf '%s\n' "$l"; done
		printf '[output t]\ntype = text\npath = %s\n' "$T/o/t.txt"
	} | conf
}
same() { [ "$(sig "$T/o/t.txt")" = "$t0" ] || fail "output changed: $*"; }

file_conf "$T/a.txt"
expect_exit 0 as run
expect_grep '^9.9.9.0/24$' "$T/o/t.txt"
t0=$(sig "$T/o/t.txt")

# 1. Another path, broken: the copy of the first one does not serve.
file_conf "$T/missing.txt"
expect_exit 1 as run
expect_grep "^allowsync: error: source \"f\": $T/missing.txt: No such file or directory; origin changed (path): no last good copy for it$" "$T/err"
expect_grep 'output "t": sources: source "f" has no usable data: left unchanged' "$T/err"
grep -q 'keeping last good' "$T/err" && fail "the old origin's copy served"
same "path changed"
expect_exit 1 as run --offline
expect_grep 'source "f": origin changed (path): no last good copy for it' "$T/err"
same "offline"
expect_exit 0 as status
expect_grep "^source \"f\" (file): last success .* ago, last good copy .* ago, 1 entry from file $T/a.txt (not served: origin changed (path): no last good copy for it); last error" "$T/out"

# 2. Back to the first path, which fails now: its copy serves again.
file_conf "$T/a.txt"
printf '0.0.0.0/0\n' >"$T/a.txt"
expect_exit 3 as run
expect_grep 'source "f": refused: 0.0.0.0/0 .*: keeping last good (.* old, 1 entry)' "$T/err"
same "changed back"
printf '9.9.9.0/24\n' >"$T/a.txt"

# 3. A new origin that delivers: applied; its copy is the one kept (a
# limit changed meanwhile is no other origin).
file_conf "$T/b.txt"
expect_exit 0 as run
expect_grep '^8.8.8.0/24$' "$T/o/t.txt"
expect_exit 0 as status
expect_grep "^source \"f\" (file): last success .* ago, last good copy .* ago, 2 entries from file $T/b.txt$" "$T/out"
file_conf "$T/b.txt" "max_stale = 2d" "max_entries = 100"
printf 'garbage\n' >"$T/b.txt"
expect_exit 3 as run
expect_grep 'source "f": .*: keeping last good (.* old, 2 entries)' "$T/err"
t0=$(sig "$T/o/t.txt")
file_conf "$T/a.txt"
printf '0.0.0.0/0\n' >"$T/a.txt"
expect_exit 1 as run
expect_grep 'source "f": refused: .*; origin changed (path): no last good copy for it' "$T/err"
same "the first origin again"
file_conf "$T/b.txt" "max_stale = 2d" "max_entries = 100"

# 4. Dated in the future: the list's time (its header's "time" line, not
# covered by the ranges' digest) and the status's confirmation.
L=$T/state/sources/f.list
redate() {
	python3 - "$L" "$T/state/sources/f.status" "$1" <<'PY'
import re, sys
lst, status, when = sys.argv[1], sys.argv[2], sys.argv[3]
b = open(lst, 'rb').read()
b = re.sub(rb'\ntime -?\d+\n', b'\ntime ' + when.encode() + b'\n', b, count=1)
open(lst, 'wb').write(b)
s = open(status).read()
s = re.sub(r'\nlist_confirmed -?\d+\n', '\n', s)
open(status, 'w').write(s)
PY
}
redate $(($(date +%s) + 7230))
expect_exit 0 as status
expect_grep "^source \"f\" (file): .*, last good copy dated 2h00m in the future, 2 entries from file $T/b.txt (not served: last good copy is dated 2h00m in the future (the clock moved back?): its age is unknown)" "$T/out"
expect_exit 1 as run
expect_grep 'source "f": .*; last good copy is dated 2h00m in the future (the clock moved back?): its age is unknown$' "$T/err"
grep -q '0s old' "$T/err" && fail "a future copy reported as 0s old"
same "future-dated"
# Within the slack (the clock's own noise): served, and said so.
redate $(($(date +%s) + 90))
expect_exit 3 as run
expect_grep 'source "f": .*: keeping last good (dated 1m[0-9]*s in the future, 2 entries)' "$T/err"
same "future-dated within the slack"

# 5. A list of the previous version (2): no fingerprint, unknown origin.
python3 - "$L" <<'PY'
import re, sys
b = open(sys.argv[1], 'rb').read()
b = b.replace(b'allowsync-state 3 list\n', b'allowsync-state 2 list\n', 1)
b = re.sub(rb'\nfingerprint [^\n]*\nbasis [^\n]*\n', b'\n', b, count=1)
open(sys.argv[1], 'wb').write(b)
PY
expect_exit 1 as run
expect_grep 'source "f": .*; origin unknown (kept by an older allowsync): no last good copy for it$' "$T/err"
same "version 2 list"
expect_exit 0 as status
expect_grep '(not served: origin unknown (kept by an older allowsync): no last good copy for it)' "$T/out"
printf '9.9.9.0/24\n8.8.8.0/24\n' >"$T/b.txt"
expect_exit 0 as run
grep -q '^fingerprint .*path=' "$L" || fail "no fingerprint recorded"
expect_exit 0 as status
grep -q 'not served' "$T/out" && { cat "$T/out"; fail "the fresh copy is not served"; }
echo "ok   origin_file"
