"""check.py FILE EXPECTATION...: parse FILE, a metrics_file, with
prometheus_client's own parser and check it.

Always: the 13 families, each a gauge with a HELP text, and no other;
every sample belongs to its family.  Then each EXPECTATION:
  NAME{k=v,...}=VALUE   the sample is there with this value
  NAME{...}>=VALUE      ... at least VALUE (also <=)
  !NAME{...}            no such sample
Exit 1 with what the file holds when one fails."""
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

FAMILIES = [
    'allowsync_run_timestamp_seconds',
    'allowsync_run_duration_seconds',
    'allowsync_run_exit_code',
    'allowsync_source_last_success_timestamp_seconds',
    'allowsync_source_served_from_last_good',
    'allowsync_source_degraded_since_timestamp_seconds',
    'allowsync_source_entries',
    'allowsync_source_addresses',
    'allowsync_output_last_success_timestamp_seconds',
    'allowsync_output_entries',
    'allowsync_output_addresses',
    'allowsync_output_held',
    'allowsync_output_hook_pending',
]

path = sys.argv[1]
text = open(path).read()
families = list(text_string_to_metric_families(text))
samples = {}
problems = []
if [f.name for f in families] != FAMILIES:
    problems.append('families: %s' % [f.name for f in families])
for f in families:
    if f.type != 'gauge' or not f.documentation:
        problems.append('%s: type %s, help %r' % (f.name, f.type, f.documentation))
    for s in f.samples:
        if s.name != f.name:
            problems.append('%s: sample %s' % (f.name, s.name))
        samples[(s.name, frozenset(s.labels.items()))] = s.value


def key(expr):
    m = re.fullmatch(r'(\w+)(?:\{(.*)\})?', expr)
    if not m:
        sys.exit('bad expectation: ' + expr)
    labels = {}
    for kv in filter(None, (m.group(2) or '').split(',')):
        k, v = kv.split('=', 1)
        labels[k] = v
    return (m.group(1), frozenset(labels.items()))


for e in sys.argv[2:]:
    if e.startswith('!'):
        if key(e[1:]) in samples:
            problems.append('%s: present (%r)' % (e, samples[key(e[1:])]))
        continue
    m = re.fullmatch(r'(.*?)(>=|<=|=)(-?[0-9.e+]+)', e)
    if not m:
        sys.exit('bad expectation: ' + e)
    k, op, want = key(m.group(1)), m.group(2), float(m.group(3))
    if k not in samples:
        problems.append('%s: no such sample' % e)
        continue
    got = samples[k]
    if not {'=': got == want, '>=': got >= want, '<=': got <= want}[op]:
        problems.append('%s: got %r' % (e, got))

if problems:
    print('\n'.join(problems) + '\n--- ' + path + '\n' + text, file=sys.stderr)
    sys.exit(1)
