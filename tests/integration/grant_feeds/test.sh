#!/bin/sh
# The grant guards' defaults (max_addresses4/6, the merged-prefix floors)
# let the real publishers' documents through with their documented
# selectors (allowsync.conf(5) EXAMPLES, packaging/presets.conf), read
# from the captured copies in the fixtures: a first run of each source
# into its own output, exit 0.
. ../lib/pipe.sh
F=$FIXTURES/feeds
AWS=$F/aws-ip-ranges.json AZ=$F/azure-service-tags.json
conf <<EOF2
[source aws-ec2]
; packaging/presets.conf aws-ec2, read from the fixture
type = file
path = $AWS
min_prefix4 = 10
select = \$.prefixes[?@.service=='EC2'].ip_prefix
select = \$.ipv6_prefixes[?@.service=='EC2'].ipv6_prefix

[source aws-ec2-eu-west-1]
type = file
path = $AWS
select = \$.prefixes[?@.service=='EC2' && @.region=='eu-west-1'].ip_prefix
select = \$.ipv6_prefixes[?@.service=='EC2' && @.region=='eu-west-1'].ipv6_prefix

[source aws-route53-healthchecks]
type = file
path = $AWS
select = \$.prefixes[?@.service=='ROUTE53_HEALTHCHECKS'].ip_prefix
select = \$.ipv6_prefixes[?@.service=='ROUTE53_HEALTHCHECKS'].ipv6_prefix

[source google]
type = file
path = $F/google-goog.json
select = \$.prefixes[*].ipv4Prefix
select = \$.prefixes[*].ipv6Prefix
min_prefix4 = 10

[source gcp-europe-west1]
type = file
path = $F/google-cloud.json
select = \$.prefixes[?@.scope=='europe-west1'].ipv4Prefix
select = \$.prefixes[?@.scope=='europe-west1'].ipv6Prefix

[source github-hooks]
type = file
path = $F/github-meta.json
select = \$.hooks[*]

[source azure-westeurope]
type = file
path = $AZ
select = \$.values[?@.name=='AzureCloud.westeurope'].properties.addressPrefixes[*]

[source azure-frontdoor]
type = file
path = $AZ
select = \$.values[?@.properties.systemService=='AzureFrontDoor' && @.properties.region==''].properties.addressPrefixes[*]

[source cloudflare4]
type = file
path = $F/cloudflare-ips-v4.txt
format = text

[source cloudflare6]
type = file
path = $F/cloudflare-ips-v6.txt
format = text
EOF2
for s in aws-ec2 aws-ec2-eu-west-1 aws-route53-healthchecks google gcp-europe-west1 \
	github-hooks azure-westeurope azure-frontdoor cloudflare4 cloudflare6; do
	printf '[output %s]\ntype = text\npath = %s/o/%s.txt\nsources = %s\n\n' "$s" "$T" "$s" "$s"
done >>"$C"
# Everything in one output too: AWS EC2 and Google together are within
# the output's defaults.
printf '[output all]\ntype = text\npath = %s/o/all.txt\n' "$T" >>"$C"
expect_exit 0 as run
for s in aws-ec2 google azure-westeurope github-hooks all; do
	[ -s "$T/o/$s.txt" ] || fail "no $s output"
done
echo "ok   real documents pass the grant guards with their documented selectors"

# A grant of a /3 does not, whatever min_prefix4 allows.
python3 -c 'import ipaddress
for n in ipaddress.ip_network("128.0.0.0/3").subnets(new_prefix=8): print(n)' >"$T/slash3.txt"
conf "min_prefix4 = 8" <<EOF2
[source wide]
type = file
path = $T/slash3.txt
[output w]
type = text
path = $T/o/w.txt
EOF2
expect_exit 1 as run
expect_grep 'source "wide": refused: 32 entries merge into 128.0.0.0/3, broader than the hard floor /8' "$T/err"
echo "ok   a /3 is refused"
