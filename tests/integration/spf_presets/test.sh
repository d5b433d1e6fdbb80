#!/bin/sh
# The presets catalogue: `allowsync presets` lists every required preset,
# each one loads through the configuration (`check`), a preset's keys are
# overridden by the section's own, an unknown preset is a configuration
# error, and SPF presets resolve against the captured real records
# served by nsd.
. ../lib/common.sh
. ../lib/spfdns.sh
export ALLOWSYNC_PRESETS="$PWD/../../../packaging/presets.conf"
[ -f "$ALLOWSYNC_PRESETS" ] || fail "no $ALLOWSYNC_PRESETS"

expect_exit 0 "$ALLOWSYNC" presets
cat "$T/out"
expect_exit 0 "$ALLOWSYNC" presets --names
for p in smtp2go sendgrid mailgun postmark mandrill mailchimp amazon-ses google-workspace \
	microsoft-365 aws-ec2 google github-hooks cloudflare-v4 cloudflare-v6; do
	grep -qx "$p" "$T/out" || fail "preset $p missing"
done
n=$(wc -l <"$T/out")

# Every preset loads (check never touches the network).
{
	while read -r p; do printf '[source p-%s]\npreset = %s\n\n' "$p" "$p"; done <"$T/out"
	printf '[output all]\ntype = text\npath = %s/all.txt\n' "$T"
} | conf_file "$T/all.conf" "$T/state" ""
expect_exit 0 "$ALLOWSYNC" -c "$T/all.conf" check
echo "ok   all $n presets load"

# The presets file path can be given to the command too.
ALLOWSYNC_PRESETS=/nonexistent expect_exit 1 "$ALLOWSYNC" presets
expect_exit 0 "$ALLOWSYNC" presets --file "$ALLOWSYNC_PRESETS"

printf '[source x]\npreset = no-such-relay\n[output o]\ntype = text\npath = %s/o.txt\n' "$T" |
	conf_file "$T/bad.conf" "$T/state"
expect_exit 2 "$ALLOWSYNC" -c "$T/bad.conf" check
expect_grep 'unknown preset "no-such-relay"' "$T/err"
echo "ok   unknown preset: exit 2"

# Resolution: a preset as is, a preset with its domain overridden, and
# with spf_max_lookups overridden below what the record needs.
python3 "$LIBDIR/spfzone.py" blaze "$FIXTURES/spf/blaze-cache" >"$T/root.zone"
nsd_start "$T/nsd" "$T/root.zone"
conf_file "$T/run.conf" "$T/state" "dns_server = 127.0.0.1:$NSD_PORT" "timeout = 5" <<EOC
[source gw]
preset = google-workspace

[source js]
preset = smtp2go
domain = janestreet.com

[output gw]
type = text
path = $T/gw.txt
sources = gw

[output js]
type = text
path = $T/js.txt
sources = js
EOC
expect_exit 0 "$ALLOWSYNC" -c "$T/run.conf" run
grep -qx 172.217.0.0/19 "$T/gw.txt" || fail "google-workspace: _netblocks3 missing"
grep -qx 2a00:1450:4000::/36 "$T/gw.txt" || fail "google-workspace: _netblocks2 missing"
grep -qx 69.184.0.0/13 "$T/js.txt" || fail "domain override: janestreet.com not used"
echo "ok   presets resolve; domain overridden"

sed 's/^domain = janestreet.com$/domain = janestreet.com\nspf_max_lookups = 3/' "$T/run.conf" >"$T/lim.conf"
sed -i "s|state_dir = .*|state_dir = $T/state2|" "$T/lim.conf"
expect_exit 1 "$ALLOWSYNC" -c "$T/lim.conf" run
expect_grep 'source "js".*more than 3 DNS lookups' "$T/err"
echo "ok   spf_max_lookups overrides: $(grep 'source "js"' "$T/err" | head -1)"

# URL presets: their selectors against the real published documents
# ($FIXTURES/feeds), served by nginx over HTTPS; only `url` and
# `ca_file` are overridden.  The output must be exactly the union of
# what the preset claims to cover.
. ../lib/https.sh
https_certs "$T/ca"
mkdir -p "$T/www"
cp "$FIXTURES/feeds/aws-ip-ranges.json" "$FIXTURES/feeds/google-goog.json" \
	"$FIXTURES/feeds/github-meta.json" "$FIXTURES/feeds/cloudflare-ips-v4.txt" \
	"$FIXTURES/feeds/cloudflare-ips-v6.txt" "$T/www/"
nginx_start "$T/www"
hp=$port
check_url_preset() {
	preset=$1 file=$2 expr=$3
	conf_file "$T/u.conf" "$T/ustate-$preset" "ca_file = $T/ca/ca.pem" <<EOC
[source s]
preset = $preset
url = https://127.0.0.1:$hp/$file

[output o]
type = text
path = $T/u-$preset.txt
EOC
	expect_exit 0 "$ALLOWSYNC" -c "$T/u.conf" run
	python3 - "$T/www/$file" "$T/u-$preset.txt" "$expr" "$preset" <<'PY' || fail "preset $preset: output differs from the document"
import ipaddress, json, sys
doc, out, expr, name = sys.argv[1:]
if expr == 'text':
    want = [l.strip() for l in open(doc) if l.strip()]
else:
    d = json.load(open(doc))
    want = eval(expr)
want = list(ipaddress.collapse_addresses(ipaddress.ip_network(w, strict=False) for w in want if ':' not in w)) + \
    list(ipaddress.collapse_addresses(ipaddress.ip_network(w, strict=False) for w in want if ':' in w))
got = [l.strip() for l in open(out) if l.strip() and not l.startswith('#')]
got = [ipaddress.ip_network(g) for g in got]
assert sorted(map(str, want)) == sorted(map(str, got)), (len(want), len(got))
print('ok   preset %s: %d CIDRs, as the document says' % (name, len(got)))
PY
}
check_url_preset aws-ec2 aws-ip-ranges.json \
	"[p['ip_prefix'] for p in d['prefixes'] if p['service']=='EC2'] + [p['ipv6_prefix'] for p in d['ipv6_prefixes'] if p['service']=='EC2']"
check_url_preset aws-route53-healthchecks aws-ip-ranges.json \
	"[p['ip_prefix'] for p in d['prefixes'] if p['service']=='ROUTE53_HEALTHCHECKS'] + [p['ipv6_prefix'] for p in d['ipv6_prefixes'] if p['service']=='ROUTE53_HEALTHCHECKS']"
check_url_preset google google-goog.json "[list(p.values())[0] for p in d['prefixes']]"
check_url_preset github-hooks github-meta.json "d['hooks']"
check_url_preset cloudflare-v4 cloudflare-ips-v4.txt text
check_url_preset cloudflare-v6 cloudflare-ips-v6.txt text
