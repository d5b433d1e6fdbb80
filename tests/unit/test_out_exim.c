/* Unit tests: out_exim — iplsearch keys, IPv6 ones quoted, unaligned
 * ranges split into their CIDR cover, one family alone (the empty list:
 * test_cidrfile). */
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
load(void)
{
	return test_conf_load("c.conf",
			      "[source a]\ntype = static\nprefixes = 192.0.2.1\n"
			      "[source b]\ntype = static\nprefixes = 192.0.2.2\n"
			      "[output mta]\ntype = exim\npath = %s/relays\n",
			      test_dir);
}

static void
test_render_keys(void **state)
{
	struct conf *c = load();
	struct pset *want = test_set("2001:db8:1::-2001:db8:1::2\n198.51.100.0/24\n"
				     "198.51.101.0/24\n::1\n192.0.2.255-192.0.3.0\n");
	char *s;
	(void)state;

	s = test_render(c->outputs[0], want);
	assert_string_equal(s, "# allowsync output \"mta\" (exim): written by allowsync, do not edit\n"
			       "# sources: a b\n"
			       "192.0.2.255/32\n"
			       "192.0.3.0/32\n"
			       "198.51.100.0/23\n"
			       "\"::1/128\"\n"
			       "\"2001:db8:1::/127\"\n"
			       "\"2001:db8:1::2/128\"\n");
	free(s);
	pset_free(want);
	conf_free(c);
}

static void
test_render_one_family(void **state)
{
	struct conf *c = load();
	struct pset *six = test_set("2a00:1450::/32\n");
	char *s;
	(void)state;

	s = test_render(c->outputs[0], six);
	assert_non_null(strstr(s, "# sources: a b\n\"2a00:1450::/32\"\n"));
	/* No key outside quotes holds a colon: Exim would cut it there. */
	for (const char *l = s; *l; l = strchr(l, '\n') + 1)
		if (*l != '#' && *l != '"')
			fail_msg("unquoted key line: %s", l);
	free(s);
	pset_free(six);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_keys),
		cmocka_unit_test(test_render_one_family),
	};
	return cmocka_run_group_tests_name("out_exim", tests, test_dir_setup, test_dir_teardown);
}
