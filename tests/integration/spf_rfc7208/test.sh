#!/bin/sh
# The RFC 7208 test suite (openspf 2014.04, $FIXTURES/spf/rfc7208-tests.yml)
# against `allowsync spf --check`: each scenario's zone data is served by
# nsd on loopback (names marked TIMEOUT go through a proxy that never
# answers them), and every test's address is checked against the
# expansion of its domain.  A case counts as not applicable when our
# answer is marked partial (it depends on ptr/exists/client macros, which
# an allowlist cannot hold) or refused (+all).  Known deviations by
# design are listed in deviations.txt with the reason; any other
# mismatch fails the case.
. ../lib/common.sh
. ../lib/spfdns.sh
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed"

yml=$FIXTURES/spf/rfc7208-tests.yml
[ -f "$yml" ] || fail "no $yml"
ndocs=$(python3 "$LIBDIR/spfzone.py" rfc "$yml" "$T")

# Every scenario's server at once (their start-up is most of this
# case's time), each behind a proxy when some of its names must time out.
i=0
while [ $i -lt "$ndocs" ]; do nsd_spawn "$T/s$i/nsd" "$T/s$i/zone"; i=$((i + 1)); done
i=0
while [ $i -lt "$ndocs" ]; do
	d=$T/s$i
	nsd_wait "$d/nsd"
	if [ -s "$d/timeouts" ]; then
		proxy_spawn "$d/timeouts" "$NSD_PORT"
		echo $proxy_n >"$d/proxy"
	fi
	i=$((i + 1))
done
: >"$T/checks"
i=0
while [ $i -lt "$ndocs" ]; do
	d=$T/s$i
	if [ -s "$d/proxy" ]; then
		proxy_wait "$(cat "$d/proxy")"
		port=$PROXY_PORT
	else
		port=$(cat "$d/nsd/port")
	fi
	sed "s|^|$i $port |" "$d/tests" >>"$T/checks"
	i=$((i + 1))
done

# The checks, four at a time: they wait on the network (a TIMEOUT one
# for its whole 2 s), not on the processor.  --timeout 2: what TIMEOUT
# marks must time out, and everything else (through the proxy too) must
# be answered well within it, loaded machine and sanitized binary
# included.  Each check's exit status is kept beside its answer.
export ALLOWSYNC T
# shellcheck disable=SC2016
xargs -P 4 -L 1 sh -c '
	o=$T/s$0/$2
	"$ALLOWSYNC" spf -s "127.0.0.1:$1" --partial --timeout 2 --check "$3" "$4" >"$o.out" 2>"$o.err"
	echo $? >"$o.rc"' <"$T/checks"

python3 - "$T" deviations.txt <<'PY'
import os, sys
top = sys.argv[1]
dev = {}
for line in open(sys.argv[2]):
    line = line.strip()
    if line and not line.startswith('#'):
        name, why = line.split(None, 1)
        dev[name] = why
total = ok = na = known = 0
bad = []
for line in open(os.path.join(top, 'checks')):
    doc, port, name, host, dom, want = line.split()
    o = os.path.join(top, 's' + doc, name)
    # --check answers every test with exit 0; anything else (a crash, a
    # sanitizer report) is a failure of its own.
    rc = open(o + '.rc').read().strip()
    if rc != '0':
        sys.stderr.write(open(o + '.err').read())
        print('FAIL  %s: allowsync exited %s' % (name, rc))
        sys.exit(1)
    w = (open(o + '.out').read().split('\n')[0]).split()
    got = w[1] if len(w) > 1 else '(nothing)'
    partial = len(w) > 2 and w[2] == 'partial'
    total += 1
    wants = want.split(',')
    if got in wants:
        ok += 1
    elif partial or got in ('refused', 'unflattenable'):
        na += 1
        print('n/a   %-28s wanted %s, got %s%s' % (name, want, got, ' (partial)' if partial else ''))
    elif name in dev:
        known += 1
        print('known %-28s wanted %s, got %s: %s' % (name, want, got, dev[name]))
    else:
        bad.append(name)
        print('FAIL  %-28s %s %s wanted %s, got %s' % (name, host, dom, want, got))
app = total - na
# The suite has 201 tests: fewer means scenarios went unchecked.
if total != 201:
    print('FAIL  %d tests checked, the suite has 201' % total)
    bad.append('(count)')
print('RFC 7208 suite: %d of %d applicable tests pass (%d known deviations by design, '
      '%d not applicable: ptr/exists/client macros/+all); %d tests in all'
      % (ok, app, known, na, total))
sys.exit(1 if bad else 0)
PY
