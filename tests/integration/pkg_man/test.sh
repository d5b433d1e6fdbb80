#!/bin/sh
# Man pages: allowsync(8) and allowsync.conf(5) render without a warning
# (groff -ww, mandoc -T lint, man -l), allowsync(8) names every command of
# src/cmd_help.c with the options of its synopsis, allowsync.conf(5) every configuration key of the code's key
# tables and every source and output type, and each configuration example
# in allowsync.conf(5) passes `allowsync check`.
. ../lib/common.sh
repo=$(cd ../../.. && pwd)
man8=$repo/packaging/allowsync.8
man5=$repo/packaging/allowsync.conf.5

command -v python3 >/dev/null || skip "python3 not installed"

for m in "$man8" "$man5"; do
	LC_ALL=C.UTF-8 groff -ww -man -z "$m" >"$T/groff" 2>&1 || { cat "$T/groff"; fail "groff $m"; }
	[ -s "$T/groff" ] && { cat "$T/groff"; fail "groff -ww warns on $m"; }
	if command -v mandoc >/dev/null; then
		mandoc -T lint "$m" >"$T/mandoc" 2>&1 || true
		[ -s "$T/mandoc" ] && { cat "$T/mandoc"; fail "mandoc -T lint on $m"; }
	else
		echo "mandoc not installed: lint skipped for $m"
	fi
	if command -v man >/dev/null; then
		MANWIDTH=80 LC_ALL=C.UTF-8 man -l "$m" >"$T/rendered" 2>"$T/man.err" || { cat "$T/man.err"; fail "man -l $m"; }
		[ -s "$T/man.err" ] && { cat "$T/man.err"; fail "man -l warns on $m"; }
		[ "$(wc -l <"$T/rendered")" -gt 50 ] || fail "man -l $m rendered almost nothing"
	fi
done

# Coverage, from the code: commands, keys, types.
python3 - "$repo" >"$T/coverage" 2>&1 <<'EOF' || { cat "$T/coverage"; fail "coverage"; }
import glob, os, re, sys
repo = sys.argv[1]
man8 = open(os.path.join(repo, 'packaging/allowsync.8')).read()
man5 = open(os.path.join(repo, 'packaging/allowsync.conf.5')).read()
missing = []

# cmd_table[] of src/cmd_help.c: every command has an entry, and the
# options of its synopsis (what -h prints) are those of its SYNOPSIS
# lines in allowsync(8)
help = open(os.path.join(repo, 'src/cmd_help.c')).read()
table = help[help.index('cmd_table[] = {'):]
table = table[:table.index('};')]
entries = re.findall(r'\{\s*"([a-z-]+)",\s*cmd_\w+,\s*((?:"[^"]*"\s*)+),', table)
commands = [c for c, _ in entries]
assert len(commands) >= 12, commands
synopsis = man8[man8.index('.SH SYNOPSIS'):man8.index('.SH DESCRIPTION')].replace('\\-', '-')
blocks = synopsis.split('.br')
opt = re.compile(r'(?<![\w-])--?[a-zA-Z0-9][-a-zA-Z0-9]*')
for c, syn in entries:
    if not re.search(r'^\.(B|BR|BI) "?%s\b' % re.escape(c), man8, re.M):
        missing.append('allowsync(8): command %s' % c)
    syn = ''.join(re.findall(r'"([^"]*)"', syn)).replace('\\n', ' ')
    mine = [b for b in blocks
            if re.search(r'^\.(R?B|BR) (allowsync )?\[?\s*%s\b' % re.escape(c), b, re.M)]
    if not mine:
        missing.append('allowsync(8) SYNOPSIS: no line for %s' % c)
        continue
    want = set(opt.findall(re.sub(r'\[-c\s+\.IR file \]|\[ -c\s*\n\.IR file \]', '', ' '.join(mine))))
    want -= {'-c', '-n', '-v', '-q', '--force'} - set(opt.findall(syn))
    if set(opt.findall(syn)) != want:
        missing.append('%s: synopsis options %s, allowsync(8) SYNOPSIS %s'
                       % (c, sorted(set(opt.findall(syn))), sorted(want)))

# every struct conf_key table, with the *_KEYS macros of the headers
macros = {}
for h in glob.glob(os.path.join(repo, 'include/*.h')):
    for name, body in re.findall(r'#define\s+(\w+_KEYS)\s+(.*)', open(h).read()):
        macros[name] = re.findall(r'\{\s*"(\w+)"', body)
keys = {}
for c in sorted(glob.glob(os.path.join(repo, 'src/*.c'))):
    text = open(c).read()
    for m in re.finditer(r'struct conf_key\s+(\w+)\[\]\s*=\s*\{(.*?)\};', text, re.S):
        body = m.group(2)
        names = re.findall(r'\{\s*"(\w+)"', body)
        for mac in re.findall(r'\b(\w+_KEYS)\b', body):
            names += macros.get(mac, [])
        for n in names:
            keys.setdefault(n, []).append('%s:%s' % (os.path.basename(c), m.group(1)))
assert len(keys) >= 40, sorted(keys)
plain5 = man5.replace('\\-', '-').replace('\\fR', '').replace('\\fP', '')
for k, where in sorted(keys.items()):
    # a key entry: a .B/.BI/.BR line naming it (".B timeout, max_body, ..." counts)
    if not re.search(r'^\.(B|BI|BR) .*\b%s\b' % re.escape(k), plain5, re.M):
        missing.append('allowsync.conf(5): key %s (%s)' % (k, ', '.join(where)))

# source and output types
for pat, kind in (('src/src_*.c', 'source'), ('src/out_*.c', 'output')):
    for c in glob.glob(os.path.join(repo, pat)):
        for t in re.findall(r'\.name\s*=\s*"([a-z0-9-]+)"', open(c).read()):
            if not re.search(r'^\.SS type = %s$' % re.escape(t.replace('-', '\\-')), man5, re.M):
                missing.append('allowsync.conf(5): %s type %s' % (kind, t))
print('%d commands, %d keys checked' % (len(commands), len(keys)))
if missing:
    print('\n'.join(missing))
    sys.exit(1)
EOF
cat "$T/coverage"

# Every configuration example of allowsync.conf(5) passes check (a block
# without a source gets a placeholder one).
mkdir "$T/ex"
python3 - "$man5" "$T/ex" <<'EOF' || fail "extracting examples"
import re, sys
text = open(sys.argv[1]).read()
n = 0
for block in re.findall(r'^\.EX\n(.*?)^\.EE$', text, re.S | re.M):
    if not block.lstrip().startswith('['):
        continue
    body = (block.replace('\\-', '-').replace('\\(aq', "'").replace('\\(dq', '"')
            .replace('\\e', '\\').replace('\\&', ''))
    if '[source ' not in body:
        body = '[source pkgman]\ntype = static\nprefixes = 198.51.100.1\n\n' + body
    if '[publish]' in body:
        for name in re.findall(r'^sources = (.*)$', body, re.M)[0].split():
            body += '\n[source %s]\ntype = static\nprefixes = 198.51.100.2\n' % name
    n += 1
    open('%s/ex%02d.conf' % (sys.argv[2], n), 'w').write(body)
print('%d configuration examples' % n)
EOF
count=0
for f in "$T"/ex/*.conf; do
	count=$((count + 1))
	env ALLOWSYNC_PRESETS="$repo/packaging/presets.conf" "$ALLOWSYNC" -c "$f" check >"$T/out" 2>&1 ||
		{ cat "$f" "$T/out"; fail "example $(basename "$f") of allowsync.conf(5) fails check"; }
done
[ "$count" -ge 8 ] || fail "only $count examples found in allowsync.conf(5)"
echo "man pages: lint clean, complete, $count examples pass check"
