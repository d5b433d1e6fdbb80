/* Unit tests: triage — addresses counted once each with their
 * rejections, times, reasons and sender domains (case folded, capped
 * per address); groups by the first cover holding an address, in the
 * order given, the rest "not covered"; on the captured Postfix log.
 * And the presets it checks against (conf_load_presets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"
#include "testfiles.h"

#include "conf.h"

#include "triage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct maillog_clock clk = {.year = 2026, .now = 1796342400 + 12 * 3600};

static void
add(struct triage *t, const char *line)
{
	struct maillog_rec rec;

	assert_int_equal(maillog_parse_line(line, strlen(line), &clk, &rec), MAILLOG_REJECT);
	assert_int_equal(triage_add(t, &rec), 0);
}

static struct pset *
set_of(const char *a, const char *b)
{
	struct pset *s = pset_new();
	struct pfx p;
	struct err err;

	assert_non_null(s);
	assert_true(pfx_parse(a, strlen(a), &p, &err));
	assert_int_equal(pset_add_pfx(s, &p), 0);
	if (b) {
		assert_true(pfx_parse(b, strlen(b), &p, &err));
		assert_int_equal(pset_add_pfx(s, &p), 0);
	}
	assert_int_equal(pset_merge(s), 0);
	return s;
}

static void
test_group(void **state)
{
	struct triage *t = triage_new();
	struct triage_group *g;
	char buf[PFX_ADDR_MAX], tm[MAILLOG_TIME_MAX];

	(void)state;
	assert_non_null(t);
	add(t, "Dec 04 10:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from a[192.0.2.1]: 554 5.7.1 "
	       "<x@y>: Relay access denied; from=<n@Shop.Example> to=<x@y> proto=ESMTP helo=<a>");
	add(t, "Dec 04 09:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from a[192.0.2.1]: 554 5.7.1 "
	       "<x@y>: Relay access denied; from=<m@shop.example> to=<x@y> proto=ESMTP helo=<a>");
	add(t, "Dec 04 11:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from a[192.0.2.2]: 554 5.7.1 "
	       "<x@y>: Relay access denied; from=<n@other.example> to=<x@y> proto=ESMTP helo=<a>");
	add(t, "PREGREET 1 after 0 from [2001:db8::9]:1: x");
	add(t, "Dec 04 12:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from a[203.0.113.5]: 450 4.7.1 "
	       "Client host rejected: cannot find your hostname, [203.0.113.5]; from=<> to=<x@y> proto=ESMTP helo=<a>");
	assert_int_equal(triage_count(t), 4);

	const struct triage_addr *e = triage_get(t, 0);
	pfx_format_addr(e->fam, e->addr, buf);
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(e->rejections, 2);
	assert_int_equal(e->reasons[MAILLOG_RELAY], 2);
	assert_string_equal(maillog_format_time(e->first, ' ', tm), "2026-12-04 09:00:00");
	assert_string_equal(maillog_format_time(e->last, ' ', tm), "2026-12-04 10:00:00");
	assert_int_equal(e->n_domains, 1); /* Shop.Example and shop.example */
	assert_string_equal(triage_domain(t, e->domain_ids[0]), "shop.example");
	assert_int_equal(e->domain_counts[0], 2);
	assert_true(triage_get(t, 2)->first == MAILLOG_NO_TIME);

	/* 192.0.2.0/24 is in both covers: the first one takes it. */
	struct pset *a = set_of("192.0.2.0/25", NULL), *b = set_of("192.0.2.0/24", "2001:db8::/32");
	struct triage_cover covers[] = {
		{"source", "mine", a}, {"preset", "relay", b}, {"preset", "failed", NULL}};
	assert_int_equal(triage_group(t, covers, 3, &g), 0);
	assert_ptr_equal(g[0].cover, &covers[0]);
	assert_int_equal(g[0].n_addrs, 2);
	assert_int_equal(g[0].rejections, 3);
	/* most rejections first */
	pfx_format_addr(triage_get(t, g[0].addrs[0])->fam, triage_get(t, g[0].addrs[0])->addr, buf);
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(g[0].n_domains, 2);
	assert_string_equal(g[0].domains[0].domain, "shop.example");
	assert_int_equal(g[0].domains[0].count, 2);
	assert_string_equal(g[0].domains[1].domain, "other.example");
	assert_string_equal(maillog_format_time(g[0].first, ' ', tm), "2026-12-04 09:00:00");
	assert_string_equal(maillog_format_time(g[0].last, ' ', tm), "2026-12-04 11:00:00");
	assert_int_equal(g[1].n_addrs, 1); /* the IPv6 PREGREET */
	assert_int_equal(g[1].reasons[MAILLOG_PREGREET], 1);
	assert_true(g[1].first == MAILLOG_NO_TIME && g[1].last == MAILLOG_NO_TIME);
	assert_int_equal(g[1].n_domains, 0);
	assert_int_equal(g[2].n_addrs, 0);
	assert_null(g[3].cover);
	assert_int_equal(g[3].n_addrs, 1);
	assert_int_equal(g[3].reasons[MAILLOG_CLIENT], 1);
	triage_groups_free(g, 4);
	pset_free(a);
	pset_free(b);
	triage_free(t);
	triage_free(NULL);
}

/* Past TRIAGE_DOMAINS_PER_ADDR distinct domains an address only counts. */
static void
test_domain_cap(void **state)
{
	struct triage *t = triage_new();
	char line[512];

	(void)state;
	for (int i = 0; i < TRIAGE_DOMAINS_PER_ADDR + 3; i++) {
		snprintf(line, sizeof line,
			 "NOQUEUE: reject: RCPT from a[192.0.2.1]: 554 5.7.1 <x@y>: Relay access "
			 "denied; from=<n@d%d.example> to=<x@y> proto=ESMTP helo=<a>", i);
		add(t, line);
	}
	const struct triage_addr *e = triage_get(t, 0);
	assert_int_equal(e->n_domains, TRIAGE_DOMAINS_PER_ADDR);
	assert_int_equal(e->more_domains, 3);
	assert_int_equal(e->rejections, TRIAGE_DOMAINS_PER_ADDR + 3);
	triage_free(t);
}

/* Many addresses: the tables grow, every address stays one entry. */
static void
test_many(void **state)
{
	struct triage *t = triage_new();
	struct triage_group *g;

	(void)state;
	for (int round = 0; round < 2; round++)
		for (unsigned i = 0; i < 70000; i++) {
			struct maillog_rec rec = {.fam = i % 2 ? PFX_V6 : PFX_V4,
						  .addr = i,
						  .reason = MAILLOG_RBL,
						  .when = MAILLOG_NO_TIME};
			char dom[32];
			snprintf(dom, sizeof dom, "d%u.example", i % 5000);
			rec.domain = dom;
			rec.domain_len = strlen(dom);
			assert_int_equal(triage_add(t, &rec), 0);
		}
	assert_int_equal(triage_count(t), 70000);
	assert_int_equal(triage_get(t, 69999)->rejections, 2);
	assert_int_equal(triage_group(t, NULL, 0, &g), 0);
	assert_int_equal(g[0].n_addrs, 70000);
	assert_int_equal(g[0].rejections, 140000);
	assert_int_equal(g[0].n_domains, 5000);
	assert_int_equal(g[0].domains[0].count, 28);
	triage_groups_free(g, 1);
	triage_free(t);
}

/* The captured Postfix log, read and grouped. */
static void
test_captured(void **state)
{
	struct triage *t = triage_new();
	struct maillog_stats st = {0};
	struct triage_group *g;
	struct err err;

	(void)state;
	assert_int_equal(maillog_read(test_fixture("maillog/postfix-3.7-postlog.log"), &clk,
				      triage_add, t, &st, &err), 0);
	assert_int_equal(triage_count(t), 7);
	struct pset *s = set_of("127.0.0.8/29", NULL);
	struct triage_cover c = {"source", "dedicated", s};
	assert_int_equal(triage_group(t, &c, 1, &g), 0);
	/* .11 twice, .12, .13, .14 */
	assert_int_equal(g[0].n_addrs, 4);
	assert_int_equal(g[0].rejections, 5);
	assert_string_equal(g[0].domains[0].domain, "shop.example");
	assert_int_equal(g[0].domains[0].count, 3);
	/* .21, 2001:db8:25::7, .31 (PREGREET twice and its reject) */
	assert_int_equal(g[1].n_addrs, 3);
	assert_int_equal(g[1].rejections, 5);
	assert_int_equal(g[1].reasons[MAILLOG_PREGREET], 2);
	triage_groups_free(g, 2);
	pset_free(s);
	triage_free(t);
}

static void
write_presets(const char *name, const char *text)
{
	assert_int_equal(setenv("ALLOWSYNC_PRESETS", test_conf_write(name, "%s", text), 1), 0);
}

/* Each preset a source of its own, with its overrides over the
 * defaults (or base's [global]); one naming a preset is left out. */
static void
test_presets(void **state)
{
	struct conf *c;
	struct err err;

	(void)state;
	write_presets("presets.conf", "[source one]\ntype = static\nprefixes = 192.0.2.0/24\n"
			    "allow_special = yes\nmin_prefix4 = 10\n"
			    "[source two]\ntype = static\nprefixes = 2001:db8::/32\n"
			    "[source alias]\npreset = one\n");
	assert_int_equal(conf_load_presets(NULL, &c, &err), 0);
	assert_int_equal(c->n_sources, 2);
	assert_int_equal(c->n_outputs, 0);
	assert_string_equal(c->sources[0]->name, "one");
	assert_int_equal(c->sources[0]->limits.min_prefix4, 10);
	assert_true(c->sources[0]->limits.allow_special);
	assert_int_equal(c->sources[1]->limits.min_prefix4, CONF_DEFAULT_MIN_PREFIX4);
	assert_false(c->sources[1]->limits.allow_special);
	assert_string_equal(c->state_dir, CONF_DEFAULT_STATE_DIR);
	assert_true(c->sources[0]->fingerprint[0] != 0);

	/* base's [global]: its state_dir and limits */
	char st[] = "/tmp/st";
	struct conf base = {.state_dir = st, .limits = c->sources[1]->limits};
	base.limits.max_entries = 77;
	struct conf *d;
	assert_int_equal(conf_load_presets(&base, &d, &err), 0);
	assert_string_equal(d->state_dir, "/tmp/st");
	assert_int_equal(d->sources[1]->limits.max_entries, 77);
	conf_free(d);
	conf_free(c);

	write_presets("presets.conf", "[source one]\ntype = nosuch\n");
	assert_int_equal(conf_load_presets(NULL, &c, &err), -1);
	assert_non_null(strstr(err.msg, "presets.conf:2: [source one]: unknown source type"));
	write_presets("none.conf", "");
	unlink(getenv("ALLOWSYNC_PRESETS"));
	assert_int_equal(conf_load_presets(NULL, &c, &err), -1);
	assert_non_null(strstr(err.msg, "none.conf"));
	unsetenv("ALLOWSYNC_PRESETS");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_group),
	    cmocka_unit_test(test_domain_cap),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_captured),
	    cmocka_unit_test(test_presets),
	};
	return cmocka_run_group_tests_name("triage", tests, test_dir_setup, test_dir_teardown);
}
