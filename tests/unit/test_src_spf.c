/* Unit tests: src_spf — its keys through the configuration loader
 * (FILE:LINE refusals), and collect()'s failures: an unreachable server
 * and a bad server list fail the source with a reason, never an empty
 * success. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"

#include "conf.h"
#include "src_spf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
write_conf(const char *text)
{
	return test_conf_write("a.conf",
			       "[global]\nstate_dir = %s/state\n%s\n"
			       "[output o]\ntype = text\npath = %s/o.txt\n",
			       test_dir, text, test_dir);
}

static struct conf *
load(const char *text, const char *want_err)
{
	struct conf *c = NULL;
	struct err err;
	int rc = conf_load(write_conf(text), CONF_LOAD_NO_OWNER_CHECK, &c, &err);

	if (!want_err) {
		if (rc != 0)
			fail_msg("refused: %s", err.msg);
		return c;
	}
	if (rc == 0) {
		conf_free(c);
		fail_msg("accepted, expected \"%s\"", want_err);
	}
	if (!strstr(err.msg, want_err) || err.line == 0)
		fail_msg("got \"%s\", expected FILE:LINE: …%s", err.msg, want_err);
	return NULL;
}

static void
test_keys(void **state)
{
	(void)state;
	struct conf *c = load("[source s]\ntype = spf\ndomain = spf.smtp2go.com\n"
			      "spf_partial = yes\nspf_max_lookups = 20\n", NULL);
	assert_int_equal(c->n_sources, 1);
	assert_ptr_equal(c->sources[0]->type, &src_spf);
	conf_free(c);
	load("[source s]\ntype = spf\n", "domain");
	load("[source s]\ntype = spf\ndomain = localhost\n", "not a domain name");
	load("[source s]\ntype = spf\ndomain = a..b.com\n", "not a domain name");
	load("[source s]\ntype = spf\ndomain = x.com\nspf_partial = maybe\n", "spf_partial");
	load("[source s]\ntype = spf\ndomain = x.com\nspf_max_lookups = 0\n", "spf_max_lookups");
	load("[source s]\ntype = spf\ndomain = x.com\nspf_max_lookups = 101\n", "spf_max_lookups");
	load("[source s]\ntype = spf\ndomain = x.com\nurl = https://x.com/\n", "url");
}

static void
collect(const char *servers, const char *want)
{
	struct conf *c = load("[source s]\ntype = spf\ndomain = example.com\ntimeout = 2\n", NULL);
	const char *list[] = {servers, NULL};
	struct source_ctx ctx = {.state_dir = test_dir, .dns_servers = list, .n_dns_servers = 1};
	struct source_result res = {0};
	struct err err = {0};
	struct source *s = c->sources[0];

	res.set = pset_new();
	assert_int_equal(s->type->collect(s, &ctx, &res, &err), -1);
	if (!strstr(err.msg, want))
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
	assert_int_equal(pset_total(res.set), 0);
	assert_string_equal(res.origin, "spf example.com");
	pset_free(res.set);
	conf_free(c);
}

static void
test_collect_failures(void **state)
{
	(void)state;
	/* Port 1 on loopback refuses at once: no waiting for a timeout. */
	collect("127.0.0.1:1", "no DNS server reachable for example.com (TXT)");
	collect("ns.example.com", "resolver: dns_server: \"ns.example.com\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_collect_failures),
	};
	return cmocka_run_group_tests_name("src_spf", tests, test_dir_setup, test_dir_teardown);
}
