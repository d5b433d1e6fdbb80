/* Unit tests: cidrfile (through the nginx and exim outputs) — the check
 * of a written file refuses every line that is not exactly as rendered,
 * the empty list is the header alone, live() reads hand-edited files and
 * says where one is broken, and what prepare writes passes the check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"
#include "testrender.h"
#include "testsets.h"

#include "cidrfile.h"
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct conf *
load(void)
{
	return test_conf_load("c.conf",
			      "[source s]\ntype = static\nprefixes = 192.0.2.1\n"
			      "[output web]\ntype = nginx\npath = %s/allow.conf\n"
			      "[output mta]\ntype = exim\npath = %s/relays\n",
			      test_dir, test_dir);
}

/* The output's check of a written file, on `text`. */
static int
verify(const struct output *o, const struct pset *want, const char *text, struct err *err)
{
	const struct outfile *of = o->priv;

	assert_non_null(of->verify);
	return of->verify(o, want, text, strlen(text), err);
}

/* A written file the check must refuse, and the words of its reason. */
struct bad_file {
	int output; /* 0 nginx, 1 exim */
	const char *text, *why;
};

static const struct bad_file bad_files[] = {
	{0, "allow 192.0.2.0/24;\nallow 2001:db8::/32;", "last line unterminated"},
	{0, "allow 192.0.2.0/24\nallow 2001:db8::/32;\n", "line 1: allow 192.0.2.0/24: not allow CIDR;"},
	{0, "allow 192.0.2.1/24;\nallow 2001:db8::/32;\n", "line 1: host bits set"},
	{0, "allow 192.0.2.0/24;\nallow 2001:DB8::/32;\n",
	 "line 2: not in canonical allow 2001:db8::/32; form"},
	{0, "allow  192.0.2.0/24;\nallow 2001:db8::/32;\n", "line 1:"},
	{0, "allow 2001:db8::/32;\nallow 192.0.2.0/24;\n", "line 2: IPv4 after IPv6"},
	{0, "allow 192.0.2.0/24;\n \nallow 2001:db8::/32;\n", "line 2: blank line with white space"},
	{0, "allow 192.0.2.0/24;\n  # indented\nallow 2001:db8::/32;\n",
	 "line 2: blank line with white space"},
	{0, "allow 192.0.2.0-192.0.2.255;\nallow 2001:db8::/32;\n", "a range, not network/len"},
	{0, "allow all;\n", "line 1:"},
	{0, "allow 192.0.2.0/24;\n", "does not hold the wanted set"},
	{0, "allow 192.0.2.0/24;\nallow 2001:db8::/32;\nallow 2001:db9::/32;\n",
	 "does not hold the wanted set"},
	/* Exim: an IPv6 key outside quotes ends at its first colon. */
	{1, "192.0.2.0/24\n2001:db8::/32\n", "line 2: 2001:db8::/32: not IPv6 written as \"CIDR\""},
	{1, "\"192.0.2.0/24\"\n\"2001:db8::/32\"\n",
	 "line 1: \"192.0.2.0/24\": not IPv4 written as CIDR"},
	{1, "192.0.2.0/24: data\n\"2001:db8::/32\"\n", "line 1:"},
	{1, "192.0.2.0/24\n\"2001:db8::/32\n", "line 2:"},
};

static void
test_verify(void **state)
{
	struct conf *c = load();
	struct pset *want = test_set("192.0.2.0/24\n2001:db8::/32\n");
	struct err err;
	(void)state;

	/* What render writes passes, for both formats. */
	for (size_t i = 0; i < c->n_outputs; i++) {
		char *s = test_render(c->outputs[i], want);
		assert_int_equal(verify(c->outputs[i], want, s, &err), 0);
		free(s);
	}
	assert_int_equal(verify(c->outputs[0], want,
				"allow 192.0.2.0/24;\n\nallow 2001:db8::/32;\n", &err), 0);
	for (size_t i = 0; i < sizeof bad_files / sizeof *bad_files; i++) {
		const struct bad_file *b = &bad_files[i];
		const struct output *o = c->outputs[b->output];

		if (verify(o, want, b->text, &err) == 0)
			fail_msg("%s: accepted\n%s", o->type->name, b->text);
		if (!strstr(err.msg, b->why))
			fail_msg("%s: \"%s\", wanted \"%s\" for\n%s", o->type->name, err.msg,
				 b->why, b->text);
	}
	pset_free(want);
	conf_free(c);
}

static void
test_render_empty(void **state)
{
	struct conf *c = load();
	struct pset *none = pset_new();
	struct err err;
	(void)state;

	/* Comments alone, whichever the format: nginx includes it (and the
	 * `deny all;` after the include then refuses everyone, never an
	 * open location), Exim reads it and finds nothing. */
	for (size_t i = 0; i < c->n_outputs; i++) {
		const struct output *o = c->outputs[i];
		char *s = test_render(o, none);
		char head[200];

		snprintf(head, sizeof head,
			 "# allowsync output \"%s\" (%s): written by allowsync, do not edit\n"
			 "# sources: s\n",
			 o->name, o->type->name);
		assert_string_equal(s, head);
		assert_int_equal(verify(o, none, s, &err), 0);
		free(s);
	}
	pset_free(none);
	conf_free(c);
}

static void
test_live(void **state)
{
	struct conf *c = load();
	struct output *web = c->outputs[0], *mta = c->outputs[1];
	struct output_ctx ctx = {.state_dir = test_dir};
	struct pset *live = pset_new(), *want = test_set("8.8.8.0/24\n2a00::/32\n");
	char path[600];
	struct err err;
	FILE *f;
	(void)state;

	/* Nothing there yet: nothing live. */
	assert_int_equal(web->type->live(web, &ctx, live, &err), 0);
	assert_int_equal(pset_total(live), 0);
	/* Edited by hand: comments, blank lines, indentation, CRLF, hosts. */
	snprintf(path, sizeof path, "%s/allow.conf", test_dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("# mine\n\n  allow 8.8.8.0/25;\r\n\tallow 8.8.8.128/25;  \nallow 2a00::/32;\n", f);
	fclose(f);
	assert_int_equal(web->type->live(web, &ctx, live, &err), 0);
	assert_int_equal(pset_merge(live), 0);
	assert_true(pset_equal(live, want));
	/* Broken: the file and line are named. */
	assert_non_null(f = fopen(path, "a"));
	fputs("deny 10.0.0.0/8;\n", f);
	fclose(f);
	pset_clear(live);
	assert_int_equal(web->type->live(web, &ctx, live, &err), -1);
	assert_non_null(strstr(err.msg, "allow.conf:6: deny 10.0.0.0/8;: not allow CIDR;"));

	snprintf(path, sizeof path, "%s/relays", test_dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("8.8.8.0/24\n \"2a00::/32\"\n", f);
	fclose(f);
	pset_clear(live);
	assert_int_equal(mta->type->live(mta, &ctx, live, &err), 0);
	assert_int_equal(pset_merge(live), 0);
	assert_true(pset_equal(live, want));
	assert_non_null(f = fopen(path, "a"));
	fputs("2a01::/32\n", f);
	fclose(f);
	assert_int_equal(mta->type->live(mta, &ctx, live, &err), -1);
	assert_non_null(strstr(err.msg, "relays:3:"));
	pset_free(live);
	pset_free(want);
	conf_free(c);
}

/* The check passes on what prepare really wrote, and live() reads it back. */
static void
test_apply(void **state)
{
	struct conf *c = load();
	struct output_ctx ctx = {.state_dir = test_dir};
	struct pset *want = test_set("198.51.100.7\n2001:db8::/48\n127.0.0.0/8\n");
	struct err err;
	bool changed;
	(void)state;

	for (size_t i = 0; i < c->n_outputs; i++) {
		struct output *o = c->outputs[i];
		struct pset *live = pset_new();

		assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
		assert_true(changed);
		assert_int_equal(o->type->commit(o, &ctx, &err), 0);
		assert_int_equal(o->type->live(o, &ctx, live, &err), 0);
		assert_int_equal(pset_merge(live), 0);
		assert_true(pset_equal(live, want));
		assert_int_equal(o->type->prepare(o, &ctx, want, &changed, &err), 0);
		assert_false(changed);
		o->type->abort(o, &ctx);
		pset_free(live);
	}
	pset_free(want);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_render_empty),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_apply),
	};
	return cmocka_run_group_tests_name("cidrfile", tests, test_dir_setup, test_dir_teardown);
}
