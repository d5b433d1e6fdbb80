/* Unit tests: state — last good lists and status files, corrupt files ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"

#include "parse_text.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct pset *
set_of(const char *text)
{
	struct pset *s = pset_new();
	struct parse_err err;
	assert_int_equal(parse_text_buf("t", text, strlen(text), s, &err), 0);
	assert_int_equal(pset_merge(s), 0);
	return s;
}

static void
rewrite(const char *path, const char *from, const char *to)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strstr(buf, from);
	assert_non_null(p);
	char out[8192];
	snprintf(out, sizeof out, "%.*s%s%s", (int)(p - buf), buf, to, p + strlen(from));
	assert_non_null(f = fopen(path, "w"));
	fputs(out, f);
	fclose(f);
}

static void
test_list_roundtrip(void **state)
{
	struct pset *s = set_of("8.8.8.0/24\n1.1.1.1\n2a00:1450::/32\n"), *got = NULL;
	char err[STATE_TEXT_MAX], origin[STATE_TEXT_MAX];
	time_t when = 0;
	(void)state;

	assert_int_equal(state_list_load(test_dir, "s", &got, &when, origin), 1); /* none yet */
	assert_int_equal(state_list_save(test_dir, "s", s, 1700000000, "https://x/y\nz", err), 0);
	assert_int_equal(state_list_load(test_dir, "s", &got, &when, origin), 0);
	assert_true(pset_equal(s, got));
	assert_int_equal(when, 1700000000);
	assert_string_equal(origin, "https://x/y z"); /* one line */
	pset_free(got);

	/* Saving the same list later moves only its time. */
	assert_int_equal(state_list_save(test_dir, "s", s, 1700000100, origin, err), 0);
	assert_int_equal(state_list_load(test_dir, "s", &got, &when, origin), 0);
	assert_int_equal(when, 1700000100);
	assert_true(pset_equal(s, got));
	assert_string_equal(origin, "https://x/y z");
	pset_free(got);

	/* An empty list is a list. */
	struct pset *e = pset_new();
	assert_int_equal(state_list_save(test_dir, "e", e, 5, "x", err), 0);
	assert_int_equal(state_list_load(test_dir, "e", &got, &when, origin), 0);
	assert_int_equal(pset_total(got), 0);
	pset_free(got);
	pset_free(e);
	pset_free(s);
}

static void
test_list_corrupt(void **state)
{
	struct pset *s = set_of("8.8.8.0/24\n9.9.9.9\n"), *got = NULL;
	char err[STATE_TEXT_MAX], origin[STATE_TEXT_MAX], path[600];
	time_t when;
	(void)state;

	snprintf(path, sizeof path, "%s/sources/c.list", test_dir);
	static const char *const edits[][2] = {
		{"8.8.8.0-8.8.8.255", "8.8.0.0-8.8.8.255"}, /* altered entry */
		{"9.9.9.9\n", ""},                          /* lost entry */
		{"allowsync-state 2 list", "allowsync-state 1 list"}, /* earlier version */
		/* the same addresses, but not as the merged set's ranges */
		{"count 2\n8.8.8.0-8.8.8.255", "count 3\n8.8.8.0-8.8.8.127\n8.8.8.128-8.8.8.255"},
		{"count 2", "count 3"},
		{"digest ", "digest 0"},
		{"time ", "time x"},
		{"9.9.9.9", "banana"},
	};
	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		assert_int_equal(state_list_save(test_dir, "c", s, 10, "o", err), 0);
		rewrite(path, edits[i][0], edits[i][1]);
		if (state_list_load(test_dir, "c", &got, &when, origin) != 1)
			fail_msg("edit %zu (%s) not detected", i, edits[i][0]);
		assert_null(got);
	}
	/* Truncated. */
	assert_int_equal(state_list_save(test_dir, "c", s, 10, "o", err), 0);
	assert_int_equal(truncate(path, 60), 0);
	assert_int_equal(state_list_load(test_dir, "c", &got, &when, origin), 1);
	/* Not a regular file. */
	unlink(path);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(state_list_load(test_dir, "c", &got, &when, origin), 1);
	rmdir(path);
	pset_free(s);
}

/* The digest's binary form is fixed: these values were computed
 * independently (Python's hashlib.blake2b, digest_size=32, over the
 * counts and big-endian addresses), so a change to the form is seen. */
static void
test_digest_form(void **state)
{
	struct pset *s = set_of("9.9.9.9\n2001:db8::/32\n8.8.8.0/24\n"), *e = pset_new();
	char d[STATE_DIGEST_HEX];
	(void)state;

	assert_int_equal(state_digest(s, d), 0);
	assert_string_equal(d, "7eac95f551ed579ad2122cdd35084670e849b51b2c1092052646deb3a0354253");
	assert_int_equal(state_digest(e, d), 0);
	assert_string_equal(d, "94c1c088cc9453996779630ad3af45cbd92814828dd784cf2aa12df95d1b8afe");
	pset_free(s);
	pset_free(e);
}

static void
test_status(void **state)
{
	struct state_source ss = {.attempt = 100, .success = 90, .retry_after = 200, .partial = true};
	struct state_output so = {.changed = 50, .applied = 60, .entries = 12, .hook_pending = true};
	struct state_source gs;
	struct state_output go;
	char err[STATE_TEXT_MAX], path[600];
	(void)state;

	snprintf(ss.error, sizeof ss.error, "HTTP 503\nsecond line");
	struct pset *empty = pset_new();
	assert_int_equal(state_digest(empty, so.digest), 0);
	pset_free(empty);
	assert_int_equal(state_source_save(test_dir, "s", &ss, err), 0);
	state_source_load(test_dir, "s", &gs);
	assert_int_equal(gs.attempt, 100);
	assert_int_equal(gs.success, 90);
	assert_int_equal(gs.retry_after, 200);
	assert_true(gs.partial);
	assert_string_equal(gs.error, "HTTP 503 second line");

	assert_int_equal(state_output_save(test_dir, "o", &so, err), 0);
	state_output_load(test_dir, "o", &go);
	assert_int_equal(go.changed, 50);
	assert_int_equal(go.applied, 60);
	assert_int_equal(go.entries, 12);
	assert_true(go.hook_pending);
	assert_string_equal(go.digest, so.digest);
	assert_string_equal(go.error, "");

	/* Foreign or garbled: zeroed, not fatal. */
	snprintf(path, sizeof path, "%s/outputs/o.status", test_dir);
	rewrite(path, "allowsync-state 1 output", "allowsync-state 9 output");
	state_output_load(test_dir, "o", &go);
	assert_int_equal(go.entries, 0);
	assert_false(go.hook_pending);
	assert_int_equal(state_output_save(test_dir, "o", &so, err), 0);
	rewrite(path, "entries 12", "entries 12\nwhatever");
	state_output_load(test_dir, "o", &go);
	assert_false(go.hook_pending);
	/* Missing: zeroed. */
	state_source_load(test_dir, "nobody", &gs);
	assert_int_equal(gs.attempt, 0);
}

static void
test_digest(void **state)
{
	struct pset *a = set_of("8.8.8.0/24\n"), *b = set_of("8.8.8.0/25\n8.8.8.128/25\n"),
		    *c = set_of("8.8.8.0/23\n");
	char da[STATE_DIGEST_HEX], db[STATE_DIGEST_HEX], dc[STATE_DIGEST_HEX];
	(void)state;

	assert_int_equal(state_digest(a, da), 0);
	assert_int_equal(state_digest(b, db), 0);
	assert_int_equal(state_digest(c, dc), 0);
	assert_int_equal(strlen(da), 64);
	assert_string_equal(da, db);
	assert_string_not_equal(da, dc);
	pset_free(a);
	pset_free(b);
	pset_free(c);
}

static int
setup(void **state)
{
	char err[STATE_TEXT_MAX];
	(void)state;
	if (test_dir_setup(state) < 0)
		return -1;
	return state_init(test_dir, err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_roundtrip),
		cmocka_unit_test(test_list_corrupt),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_digest_form),
	};
	return cmocka_run_group_tests_name("state", tests, setup, test_dir_teardown);
}
