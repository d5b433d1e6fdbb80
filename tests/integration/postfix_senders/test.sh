#!/bin/sh
# Sender-scoped allowlisting end to end: a postfix output with senders =
# writes the cidr table (results: the restriction class) and its sender
# table; the main.cf lines `show --postfix` prints go into a real
# Postfix smtpd whose client restrictions otherwise reject everyone,
# started on a test port inside a network namespace whose loopback holds
# addresses of the relay's range (IPv4 and IPv6) and one outside it.  A
# listed sender domain (or a subdomain) from the range is accepted; an
# unlisted one, or the null sender, from the same address is refused as
# before, and so is a listed one from outside the range.  check refuses
# a main.cf that names the table without the class, or uses it where it
# would grant relaying; a change of senders only rewrites the sender
# table and runs the hook.
. ../lib/pipe.sh
. ../lib/postfix.sh
command -v postconf >/dev/null || skip "postconf not installed"
pf_namespace 2001:db8:26::5
TABLE=$T/o/relay.cidr
pf_config <<EOF2
smtpd_client_restrictions = reject
EOF2
pf() { postconf -c "$PF" -e "$@" && age "$PF/main.cf"; }

config() {
	conf "allow_special = yes" <<EOF2
[source relay]
type = static
prefixes = 127.0.0.48/29 2001:db8:26::/48
[output relay]
type = postfix
path = $TABLE
postfix_config_dir = $PF
senders = $1
on_change = /bin/sh -c "echo changed >>$T/hooks"
EOF2
}
config "Shop.Example"

# Before main.cf names the table: written, and check says what to add.
expect_exit 0 as run
[ "$(cat "$TABLE.senders" | grep -v '^#')" = "$(printf 'shop.example\tOK\n.shop.example\tOK')" ] ||
	fail "sender table: $(cat "$TABLE.senders")"
expect_grep "^127.0.0.48/29	allowsync_relay$" "$TABLE"
expect_grep "^2001:db8:26::/48	allowsync_relay$" "$TABLE"
expect_exit 0 as check
expect_grep "output \"relay\": main.cf needs: smtpd_restriction_classes = allowsync_relay$" "$T/err"
expect_grep "output \"relay\": main.cf needs: allowsync_relay = check_sender_access texthash:$TABLE.senders$" "$T/err"

# The table named, the class not defined: refused (smtpd would say 451).
pf "smtpd_client_restrictions = check_client_access cidr:$TABLE, reject"
expect_exit 2 as check
expect_grep 'refused: main.cf names .*relay.cidr, but restriction class allowsync_relay is not defined' "$T/err"
# Where it would grant relaying: refused as an OK would be.
pf "smtpd_restriction_classes = allowsync_relay" "allowsync_relay = check_sender_access texthash:$TABLE.senders" \
	"smtpd_recipient_restrictions = check_client_access cidr:$TABLE, reject_unauth_destination"
expect_exit 2 as check
expect_grep 'smtpd_recipient_restrictions names cidr:.*before reject_unauth_destination' "$T/err"
postconf -c "$PF" -X smtpd_recipient_restrictions && age "$PF/main.cf"

# What show --postfix prints is what main.cf gets; check is then quiet.
expect_exit 0 as show relay --postfix
cp "$T/out" "$T/lines"
expect_grep "^smtpd_restriction_classes = allowsync_relay$" "$T/lines"
expect_grep "^allowsync_relay = check_sender_access texthash:$TABLE.senders$" "$T/lines"
expect_grep "^smtpd_client_restrictions = check_client_access cidr:$TABLE, reject$" "$T/lines"
while IFS= read -r l; do pf "$l"; done <"$T/lines"
expect_exit 0 as check
! grep -q 'main.cf needs' "$T/err" || fail "check still asks: $(cat "$T/err")"

pf_start
cat >"$T/plan" <<EOF2
# client         port          helo            sender                 rcpt
127.0.0.50       $SMTPD_PORT   a.relay.test    news@shop.example      bob@mx.triage.test
127.0.0.51       $SMTPD_PORT   a.relay.test    x@mail.SHOP.example    bob@mx.triage.test
2001:db8:26::5   $SMTPD_PORT   b.relay.test    news@shop.example      bob@mx.triage.test
127.0.0.50       $SMTPD_PORT   a.relay.test    x@other.example        bob@mx.triage.test
127.0.0.50       $SMTPD_PORT   a.relay.test    x@notshop.example      bob@mx.triage.test
127.0.0.50       $SMTPD_PORT   a.relay.test    -                      bob@mx.triage.test
127.0.0.60       $SMTPD_PORT   c.other.test    news@shop.example      bob@mx.triage.test
EOF2
pf_sessions "$T/plan"
printf '127.0.0.50 250\n127.0.0.51 250\n2001:db8:26::5 250\n127.0.0.50 554\n127.0.0.50 554\n127.0.0.50 554\n127.0.0.60 554\n' >"$T/want"
diff "$T/want" "$T/codes" >&2 || fail "RCPT answers differ (- wanted, + got)"
rejected() { [ "$(grep -c 'NOQUEUE: reject: RCPT from .*Client host rejected: Access denied' "$PF_LOG" 2>/dev/null)" -ge 4 ]; }
wait_for -v "cat '$PF_LOG'" "the refusals in $PF_LOG" rejected
expect_grep 'reject: RCPT from unknown\[127.0.0.60\]: 554 5.7.1 .*from=<news@shop.example>' "$PF_LOG"
echo "postfix: listed senders from the range accepted, the others refused"

# Another sender: the sender table alone changes, the hook runs.
: >"$T/hooks"
before=$(sig "$TABLE")
config "shop.example invoices.example"
expect_exit 0 as run
[ "$(sig "$TABLE")" = "$before" ] || fail "the cidr table was rewritten"
expect_grep '^invoices.example	OK$' "$TABLE.senders"
expect_grep '^changed$' "$T/hooks"
[ -z "$(temps "$T/o")" ] || fail "temporary files left: $(temps "$T/o")"
echo "senders changed: ok"
