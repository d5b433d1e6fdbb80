/* Unit tests: out_text — cidr and range styles, header, byte-identical reruns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"

#include "conf.h"
#include "parse_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct conf *
load(const char *extra)
{
	return test_conf_load("c.conf",
			      "[source a]\ntype = static\nprefixes = 8.8.8.8\n"
			      "[source b]\ntype = static\nprefixes = 9.9.9.9\n"
			      "[output t]\ntype = text\npath = %s/t.txt\n%s",
			      test_dir, extra);
}

static char *
render(const struct output *o, const char *list)
{
	struct pset *want = pset_new();
	struct err perr;
	char *mem = NULL;
	size_t len = 0;

	assert_int_equal(parse_text_buf("t", list, strlen(list), want, &perr), 0);
	assert_int_equal(pset_merge(want), 0);
	FILE *m = open_memstream(&mem, &len);
	assert_int_equal(o->type->render(o, want, m), 0);
	fclose(m);
	pset_free(want);
	return mem;
}

static void
test_styles(void **state)
{
	const char *list = "2001:db8::/48\n10.0.0.1-10.0.0.6\n10.0.0.7\n192.0.2.0/24\n";
	(void)state;

	struct conf *c = load("");
	char *s = render(c->outputs[0], list);
	assert_string_equal(s, "# allowsync output \"t\" (text): written by allowsync, do not edit\n"
			       "# sources: a b\n"
			       "10.0.0.1/32\n10.0.0.2/31\n10.0.0.4/30\n192.0.2.0/24\n2001:db8::/48\n");
	free(s);
	conf_free(c);

	c = load("style = range\nheader = no\nsources = b\n");
	s = render(c->outputs[0], list);
	assert_string_equal(s, "10.0.0.1-10.0.0.7\n192.0.2.0-192.0.2.255\n"
			       "2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff\n");
	free(s);
	/* Empty set: only the (absent) header. */
	s = render(c->outputs[0], "");
	assert_string_equal(s, "");
	free(s);
	conf_free(c);
}

static void
test_live_and_rerun(void **state)
{
	struct conf *c = load("style = range\n");
	struct output *o = c->outputs[0];
	struct output_ctx ctx = {.state_dir = test_dir};
	struct pset *want = pset_new(), *live = pset_new();
	struct err perr;
	char path[600];
	struct err err;
	bool changed;
	struct stat a, b;
	(void)state;

	assert_int_equal(parse_text_buf("t", "8.8.8.0/24\n2a00::/32\n", 21, want, &perr), 0);
	assert_int_equal(pset_merge(want), 0);
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(o->type->commit(o, &ctx, &err), 0);
	assert_int_equal(o->type->live(o, &ctx, live, &err), 0);
	assert_int_equal(pset_merge(live), 0);
	assert_true(pset_equal(live, want));
	snprintf(path, sizeof path, "%s/t.txt", test_dir);
	assert_int_equal(stat(path, &a), 0);
	/* An old mtime, set rather than waited for: an unchanged commit must
	 * leave it as it is, and a rewrite would show a new one. */
	test_set_old_mtime(path, &a);
	assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
	assert_false(changed);
	assert_int_equal(o->type->commit(o, &ctx, &err), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_mtime, b.st_mtime);
	/* A file someone broke: live() says where. */
	FILE *f = fopen(path, "a");
	fputs("garbage here\n", f);
	fclose(f);
	pset_clear(live);
	assert_int_equal(o->type->live(o, &ctx, live, &err), -1);
	assert_non_null(strstr(err.msg, "t.txt:5:"));
	pset_free(live);
	pset_free(want);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_styles),
		cmocka_unit_test(test_live_and_rerun),
	};
	return cmocka_run_group_tests_name("out_text", tests, test_dir_setup, test_dir_teardown);
}
