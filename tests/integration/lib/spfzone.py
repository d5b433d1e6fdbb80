#!/usr/bin/env python3
"""Zone data for the SPF tests, as one root zone ('.') that nsd serves.

  spfzone.py blaze DIR            the captured TXT answers (NAME.dns: txt:RECORD lines)
  spfzone.py rfc YAML OUTDIR      every scenario N of the RFC 7208 suite, in one
                                  pass (reading the YAML is most of the cost):
                                  OUTDIR/sN/zone (records), OUTDIR/sN/timeouts
                                  (NAME TYPE... that answer, everything else at
                                  NAME times out) and OUTDIR/sN/tests (NAME HOST
                                  DOMAIN RESULT,... lines; DOMAIN - when empty);
                                  prints the number of scenarios
  spfzone.py header               the SOA/NS lines every zone starts with

Long TXT records are split into 255-byte strings; bytes that a zone file
cannot hold literally are written as \\DDD.
"""
import os
import sys


def esc_bytes(b, name=False):
    out = []
    for c in b:
        ch = chr(c)
        if name and (ch.isalnum() or ch in '-_*'):
            out.append(ch)
        elif not name and 0x20 < c < 0x7f and ch not in '"\\;()':
            out.append(ch)
        elif not name and ch == ' ':
            out.append(ch)
        else:
            out.append('\\%03d' % c)
    return ''.join(out)


def zname(n):
    n = n.rstrip('.')
    if not n:
        return '.'
    return '.'.join(esc_bytes(l.encode('utf-8'), name=True) for l in n.split('.')) + '.'


def txt(strings):
    parts = []
    for s in strings:
        b = s.encode('utf-8') if isinstance(s, str) else s
        if len(b) == 0:
            parts.append('""')
        for i in range(0, len(b), 255):
            parts.append('"%s"' % esc_bytes(b[i:i + 255]))
    # A TXT record without strings cannot be written: one empty string.
    return ' '.join(parts) or '""'


def header():
    return ('$TTL 300\n'
            '. IN SOA ns.test. admin.test. 1 3600 600 86400 300\n'
            '. IN NS ns.test.\n')


def blaze(d):
    out = [header()]
    for f in sorted(os.listdir(d)):
        if not f.endswith('.dns'):
            continue
        name = f[:-4]
        with open(os.path.join(d, f), 'rb') as fh:
            for line in fh.read().split(b'\n'):
                if line.startswith(b'txt:'):
                    out.append('%s IN TXT %s\n' % (zname(name), txt([line[4:]])))
    return ''.join(out)


def rfc(path, outdir):
    import yaml
    docs = list(yaml.safe_load_all(open(path, encoding='utf-8')))
    for i, doc in enumerate(docs):
        rfc_scenario(doc, os.path.join(outdir, 's%d' % i))
    return len(docs)


def rfc_scenario(doc, outdir):
    lines = [header()]
    timeouts = []
    for name, recs in doc['zonedata'].items():
        zn = zname(name)
        types = {}
        timeout = False
        for r in recs:
            if r == 'TIMEOUT':
                timeout = True
                continue
            (t, v), = r.items()
            types.setdefault(t, []).append(v)
        # SPF-type data is published as TXT too unless TXT is given
        # (`TXT: NONE` says "no TXT at all"), as the suite's harness does.
        if 'SPF' in types and 'TXT' not in types:
            types['TXT'] = types['SPF']
        present = []
        for t, vals in types.items():
            for v in vals:
                if v == 'NONE':
                    continue
                if t in ('TXT', 'SPF'):
                    if t == 'SPF':
                        continue
                    strings = v if isinstance(v, list) else [v]
                    lines.append('%s IN TXT %s\n' % (zn, txt(strings)))
                elif t == 'A' or t == 'AAAA':
                    lines.append('%s IN %s %s\n' % (zn, t, v))
                elif t == 'MX':
                    lines.append('%s IN MX %d %s\n' % (zn, v[0], zname(v[1])))
                elif t in ('PTR', 'CNAME'):
                    lines.append('%s IN %s %s\n' % (zn, t, zname(v)))
                else:
                    continue
                present.append(t)
        if timeout:
            timeouts.append(' '.join([name.rstrip('.').lower()] + sorted(set(present))))
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, 'zone'), 'w') as f:
        f.write(''.join(lines))
    with open(os.path.join(outdir, 'timeouts'), 'w') as f:
        f.write(''.join(t + '\n' for t in timeouts))
    with open(os.path.join(outdir, 'tests'), 'w') as f:
        for tname, t in doc['tests'].items():
            mf = t.get('mailfrom') or ''
            dom = mf.rsplit('@', 1)[-1] if mf else t.get('helo', '')
            res = t['result']
            f.write('%s %s %s %s\n' % (tname, t['host'], dom or '-',
                                        ','.join(res if isinstance(res, list) else [res])))

if __name__ == '__main__':
    if sys.argv[1] == 'blaze':
        sys.stdout.write(blaze(sys.argv[2]))
    elif sys.argv[1] == 'header':
        sys.stdout.write(header())
    elif sys.argv[1] == 'txt':
        sys.stdout.write(txt([a for a in sys.argv[2:]]) + '\n')
    elif sys.argv[1] == 'rfc':
        print(rfc(sys.argv[2], sys.argv[3]))
