/* Unit tests: out_nginx — `allow CIDR;` lines, both families, unaligned
 * ranges split into their CIDR cover, the widest entries, its keys (the
 * empty list: test_cidrfile). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"
#include "testrender.h"
#include "testsets.h"

#include "conf.h"

#include <stdlib.h>
#include <string.h>

static struct conf *
load(const char *extra)
{
	return test_conf_load("c.conf",
			      "[source relays]\ntype = static\nprefixes = 192.0.2.1\n"
			      "[output web]\ntype = nginx\npath = %s/allow.conf\n%s",
			      test_dir, extra);
}

static void
test_render_families(void **state)
{
	struct conf *c = load("");
	/* Unsorted, IPv6 first, a range on no CIDR boundary, a host. */
	struct pset *want = test_set("2001:db8::/32\n10.0.0.1-10.0.0.6\n127.0.0.2\n"
				     "2a00:1450:4000::1\n");
	char *s;
	(void)state;

	s = test_render(c->outputs[0], want);
	assert_string_equal(s, "# allowsync output \"web\" (nginx): written by allowsync, do not edit\n"
			       "# sources: relays\n"
			       "allow 10.0.0.1/32;\n"
			       "allow 10.0.0.2/31;\n"
			       "allow 10.0.0.4/31;\n"
			       "allow 10.0.0.6/32;\n"
			       "allow 127.0.0.2/32;\n"
			       "allow 2001:db8::/32;\n"
			       "allow 2a00:1450:4000::1/128;\n");
	free(s);
	pset_free(want);
	conf_free(c);
}

static void
test_render_whole_space(void **state)
{
	/* The widest entries are written as CIDRs like any other (the policy
	 * decides whether they may be granted, not the format). */
	struct conf *c = load("");
	struct pset *want = test_set("0.0.0.0-255.255.255.255\n::-ffff::\n");
	char *s;
	(void)state;

	s = test_render(c->outputs[0], want);
	assert_non_null(strstr(s, "allow 0.0.0.0/0;\nallow ::/1;\nallow 8000::/2;\n"));
	assert_non_null(strstr(s, "allow ffff::/128;\n"));
	free(s);
	pset_free(want);
	conf_free(c);
}

/* conf's reason for refusing [output web] with `lines` (one source). */
static const char *
refusal(const char *lines)
{
	static struct err err;
	struct conf *c = NULL;
	const char *path;

	path = test_conf_write("k.conf",
			       "[source s]\ntype = static\nprefixes = 192.0.2.1\n"
			       "[output web]\ntype = nginx\n%s",
			       lines);
	assert_int_equal(conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &c, &err), -1);
	assert_null(c);
	return conf_reason(&err);
}

static void
test_keys(void **state)
{
	char lines[600];
	(void)state;

	assert_non_null(strstr(refusal("path = allow.conf\n"), "not an absolute path"));
	assert_non_null(strstr(refusal(""), "path"));
	/* No postfix result, no text style: the file allows, nothing else. */
	snprintf(lines, sizeof lines, "path = %s/a.conf\nresult = deny\n", test_dir);
	assert_non_null(strstr(refusal(lines), "result"));
	snprintf(lines, sizeof lines, "path = %s/a.conf\nstyle = range\n", test_dir);
	assert_non_null(strstr(refusal(lines), "style"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_families),
		cmocka_unit_test(test_render_whole_space),
		cmocka_unit_test(test_keys),
	};
	return cmocka_run_group_tests_name("out_nginx", tests, test_dir_setup, test_dir_teardown);
}
