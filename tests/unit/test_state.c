/* Unit tests: state — last good lists, status files and the last run,
 * corrupt files ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"
#include "testfiles.h"
#include "testsets.h"

#include "parse_text.h"
#include "state.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* What a list says about itself, for the tests. */
static struct state_list_info
info_of(time_t when, const char *origin, const char *fp, const char *basis)
{
	struct state_list_info i;

	memset(&i, 0, sizeof i);
	i.when = when;
	snprintf(i.origin, sizeof i.origin, "%s", origin);
	snprintf(i.fingerprint, sizeof i.fingerprint, "%s", fp);
	snprintf(i.basis, sizeof i.basis, "%s", basis);
	return i;
}

#define BASIS_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define BASIS_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void
test_list_roundtrip(void **state)
{
	struct pset *s = test_set("8.8.8.0/24\n1.1.1.1\n2a00:1450::/32\n"), *got = NULL;
	struct state_list_info in, out;
	struct err err;
	(void)state;

	assert_int_equal(state_list_load(test_dir, "s", &got, &out), 1); /* none yet */
	in = info_of(1700000000, "https://x/y\nz", "type=0011223344556677 url=8899aabbccddeeff",
		     BASIS_A);
	assert_int_equal(state_list_save(test_dir, "s", s, &in, &err), 0);
	assert_int_equal(state_list_load(test_dir, "s", &got, &out), 0);
	assert_true(pset_equal(s, got));
	assert_int_equal(out.when, 1700000000);
	assert_string_equal(out.origin, "https://x/y z"); /* one line */
	assert_string_equal(out.fingerprint, in.fingerprint);
	assert_string_equal(out.basis, BASIS_A);
	pset_free(got);

	/* Saving the same list later moves only its time. */
	in.when = 1700000100;
	assert_int_equal(state_list_save(test_dir, "s", s, &in, &err), 0);
	assert_int_equal(state_list_load(test_dir, "s", &got, &out), 0);
	assert_int_equal(out.when, 1700000100);
	assert_true(pset_equal(s, got));
	assert_string_equal(out.origin, "https://x/y z");
	pset_free(got);

	/* An empty list is a list; no fingerprint or basis reads as none. */
	struct pset *e = pset_new();
	in = info_of(5, "x", "", "");
	assert_int_equal(state_list_save(test_dir, "e", e, &in, &err), 0);
	assert_int_equal(state_list_load(test_dir, "e", &got, &out), 0);
	assert_int_equal(pset_total(got), 0);
	assert_string_equal(out.fingerprint, "");
	assert_string_equal(out.basis, "");
	pset_free(got);
	pset_free(e);
	pset_free(s);
}

static void
spill(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static void
expect_ignored(const char *what, size_t at)
{
	struct pset *got = NULL;
	struct state_list_info info;

	if (state_list_load(test_dir, "c", &got, &info) != 1)
		fail_msg("%s at %zu not detected", what, at);
	assert_null(got);
}

static void
test_list_corrupt(void **state)
{
	struct pset *s = test_set("8.8.8.0/24\n9.9.9.9\n2001:db8::/48\n");
	char path[600];
	struct err err;
	unsigned char *good, *bad;
	size_t len, body, fp;
	struct state_list_info in = info_of(10, "o", "f", "");
	(void)state;

	snprintf(path, sizeof path, "%s/sources/c.list", test_dir);
	assert_int_equal(state_list_save(test_dir, "c", s, &in, &err), 0);
	good = (unsigned char *)test_slurp(path, &len);
	bad = malloc(len);
	/* Every byte of the ranges and the digest matters, and so does the
	 * header's shape: flip one bit anywhere but in the values of time,
	 * origin and fingerprint (another time, origin or fingerprint is
	 * still one; an empty basis has no value). */
	body = (size_t)((unsigned char *)strstr((char *)good, "origin ") - good);
	fp = (size_t)((unsigned char *)strstr((char *)good, "fingerprint ") - good);
	for (size_t i = 0; i < len; i++) {
		if ((i >= sizeof "allowsync-state 3 list\ntime " - 1 && i < body - 1) ||
		    i == body + sizeof "origin " - 1 || i == fp + sizeof "fingerprint " - 1)
			continue;
		memcpy(bad, good, len);
		bad[i] ^= 0x04;
		spill(path, bad, len);
		expect_ignored("bit flip", i);
	}
	/* Cut short anywhere. */
	for (size_t cut = 0; cut < len; cut++) {
		spill(path, good, cut);
		expect_ignored("truncation", cut);
	}
	/* Trailing bytes. */
	memcpy(bad, good, len);
	spill(path, good, len);
	FILE *f = fopen(path, "a");
	fputs("x", f);
	fclose(f);
	expect_ignored("trailing byte", len);
	/* The earlier text version. */
	memcpy(bad, good, len);
	memcpy(bad, "allowsync-state 1 list", 22);
	spill(path, bad, len);
	expect_ignored("version 1", 0);
	/* Not a regular file. */
	unlink(path);
	assert_int_equal(mkdir(path, 0755), 0);
	expect_ignored("directory", 0);
	rmdir(path);
	free(good);
	free(bad);
	pset_free(s);
}

/* A list whose digest is right but whose ranges are not the canonical
 * form of a set (written by something else) is refused too. */
static void
test_list_not_canonical(void **state)
{
	static const unsigned char adjacent[] = {
		0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
		8, 8, 8, 0, 8, 8, 8, 127, 8, 8, 8, 128, 8, 8, 8, 255,
	};
	static const unsigned char reversed[] = {
		0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
		8, 8, 8, 255, 8, 8, 8, 0,
	};
	static const unsigned char *const forms[] = {adjacent, reversed};
	static const size_t sizes[] = {sizeof adjacent, sizeof reversed};
	char path[600];
	(void)state;

	snprintf(path, sizeof path, "%s/sources/c.list", test_dir);
	for (size_t k = 0; k < 2; k++) {
		unsigned char d[32];
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs("allowsync-state 2 list\ntime 10\norigin o\n", f);
		fwrite(forms[k], 1, sizes[k], f);
		crypto_generichash(d, sizeof d, forms[k], sizes[k], NULL, 0);
		fputs("digest ", f);
		for (size_t i = 0; i < sizeof d; i++)
			fprintf(f, "%02x", d[i]);
		fputs("\n", f);
		fclose(f);
		expect_ignored("non-canonical ranges", k);
	}
}

static ino_t
inode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* An unchanged list is confirmed in the status, not rewritten; a changed
 * or damaged one is written; the load reports the confirmation only for
 * the list it was made for. */
static void
test_list_keep(void **state)
{
	struct pset *a = test_set("8.8.8.0/24\n2001:db8::/32\n"), *b = test_set("9.9.9.9\n"), *got;
	struct state_source st;
	struct state_list_info in, out;
	char path[600];
	struct err err;
	ino_t ino;
	(void)state;

	snprintf(path, sizeof path, "%s/sources/k.list", test_dir);
	state_source_load(test_dir, "k", &st);
	in = info_of(100, "first", "type=1", BASIS_A);
	assert_int_equal(state_list_keep(test_dir, "k", a, &in, &st, &err), 0);
	assert_int_equal(st.list_confirmed, 100);
	assert_int_equal(strlen(st.list_digest), 64);
	assert_int_equal(state_source_save(test_dir, "k", &st, &err), 0);
	ino = inode_of(path);

	/* Found again: not rewritten, but fresher. */
	in = info_of(200, "second", "type=1", BASIS_A);
	assert_int_equal(state_list_keep(test_dir, "k", a, &in, &st, &err), 0);
	assert_int_equal(state_source_save(test_dir, "k", &st, &err), 0);
	assert_true(inode_of(path) == ino);
	assert_int_equal(state_list_load(test_dir, "k", &got, &out), 0);
	assert_int_equal(out.when, 200);
	assert_string_equal(out.origin, "first");
	assert_true(pset_equal(got, a));
	pset_free(got);

	/* A status saying nothing about this list (lost, or another list's
	 * digest): the list's own time. */
	struct state_source other = {.list_confirmed = 999};
	memset(other.list_digest, 'f', 64);
	assert_int_equal(state_source_save(test_dir, "k", &other, &err), 0);
	assert_int_equal(state_list_load(test_dir, "k", &got, &out), 0);
	assert_int_equal(out.when, 100);
	pset_free(got);

	/* The same ranges from another origin, or from another document:
	 * written, so that the copy says where it is from now. */
	in = info_of(210, "moved", "type=2", BASIS_A);
	assert_int_equal(state_list_keep(test_dir, "k", a, &in, &st, &err), 0);
	assert_true(inode_of(path) != ino);
	assert_int_equal(state_list_load(test_dir, "k", &got, &out), 0);
	assert_string_equal(out.fingerprint, "type=2");
	assert_string_equal(out.origin, "moved");
	pset_free(got);
	ino = inode_of(path);
	in = info_of(220, "moved", "type=2", BASIS_B);
	assert_int_equal(state_list_keep(test_dir, "k", a, &in, &st, &err), 0);
	assert_true(inode_of(path) != ino);
	assert_int_equal(state_list_load(test_dir, "k", &got, &out), 0);
	assert_string_equal(out.basis, BASIS_B);
	pset_free(got);

	/* Dated after now (the clock moved back): dated again. */
	ino = inode_of(path);
	in = info_of(150, "moved", "type=2", BASIS_B);
	assert_int_equal(state_list_keep(test_dir, "k", a, &in, &st, &err), 0);
	assert_true(inode_of(path) != ino);
	assert_int_equal(state_source_save(test_dir, "k", &st, &err), 0);
	assert_int_equal(state_list_load(test_dir, "k", &got, &out), 0);
	assert_int_equal(out.when, 150);
	pset_free(got);

	/* Changed: written. */
	ino = inode_of(path);
	in = info_of(300, "third", "type=2", BASIS_B);
	assert_int_equal(state_list_keep(test_dir, "k", b, &in, &st, &err), 0);
	assert_true(inode_of(path) != ino);
	assert_int_equal(state_source_save(test_dir, "k", &st, &err), 0);
	assert_int_equal(state_list_load(test_dir, "k", &got, &out), 0);
	assert_int_equal(out.when, 300);
	assert_string_equal(out.origin, "third");
	assert_true(pset_equal(got, b));
	pset_free(got);

	/* Damaged at the end: its digest line unreadable, so written again. */
	assert_int_equal(truncate(path, 60), 0);
	ino = inode_of(path);
	in = info_of(400, "fourth", "type=2", BASIS_B);
	assert_int_equal(state_list_keep(test_dir, "k", b, &in, &st, &err), 0);
	assert_true(inode_of(path) != ino);
	assert_int_equal(state_list_load(test_dir, "k", &got, &out), 0);
	assert_true(pset_equal(got, b));
	pset_free(got);
	pset_free(a);
	pset_free(b);
}

/* A list of the previous version (2: no fingerprint, no basis) reads,
 * with an empty fingerprint: its origin is unknown (run.h decides it
 * does not serve). */
static void
test_list_v2(void **state)
{
	static const unsigned char one[] = {
		0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 0, 8, 8, 8, 255,
	};
	struct state_list_info out;
	struct pset *got = NULL, *want = test_set("8.8.8.0/24\n");
	unsigned char d[32];
	char path[600];
	FILE *f;
	(void)state;

	snprintf(path, sizeof path, "%s/sources/v2.list", test_dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("allowsync-state 2 list\ntime 10\norigin file /x\n", f);
	fwrite(one, 1, sizeof one, f);
	crypto_generichash(d, sizeof d, one, sizeof one, NULL, 0);
	fputs("digest ", f);
	for (size_t i = 0; i < sizeof d; i++)
		fprintf(f, "%02x", d[i]);
	fputs("\n", f);
	fclose(f);
	assert_int_equal(state_list_load(test_dir, "v2", &got, &out), 0);
	assert_true(pset_equal(got, want));
	assert_int_equal(out.when, 10);
	assert_string_equal(out.origin, "file /x");
	assert_string_equal(out.fingerprint, "");
	assert_string_equal(out.basis, "");
	pset_free(got);
	pset_free(want);
}

/* The digest's binary form is fixed: these values were computed
 * independently (Python's hashlib.blake2b, digest_size=32, over the
 * counts and big-endian addresses), so a change to the form is seen. */
static void
test_digest_form(void **state)
{
	struct pset *s = test_set("9.9.9.9\n2001:db8::/32\n8.8.8.0/24\n"), *e = pset_new();
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
	struct state_source ss = {.attempt = 100, .success = 90, .retry_after = 200, .partial = true,
				  .degraded_since = 80};
	struct state_output so = {.changed = 50, .applied = 60, .entries = 12, .hook_pending = true};
	struct state_source gs;
	struct state_output go;
	char path[600];
	struct err err;
	(void)state;

	snprintf(ss.error, sizeof ss.error, "HTTP 503\nsecond line");
	struct pset *empty = pset_new();
	assert_int_equal(state_digest(empty, so.digest), 0);
	pset_free(empty);
	assert_int_equal(state_source_save(test_dir, "s", &ss, &err), 0);
	state_source_load(test_dir, "s", &gs);
	assert_int_equal(gs.attempt, 100);
	assert_int_equal(gs.success, 90);
	assert_int_equal(gs.retry_after, 200);
	assert_int_equal(gs.degraded_since, 80);
	assert_true(gs.partial);
	assert_string_equal(gs.error, "HTTP 503 second line");
	assert_string_equal(gs.list_digest, "");
	/* The list confirmation too. */
	memset(ss.list_digest, 'a', STATE_DIGEST_HEX - 1);
	ss.list_confirmed = 300;
	assert_int_equal(state_source_save(test_dir, "s", &ss, &err), 0);
	state_source_load(test_dir, "s", &gs);
	assert_string_equal(gs.list_digest, ss.list_digest);
	assert_int_equal(gs.list_confirmed, 300);
	assert_int_equal(gs.attempt, 100);
	assert_false(gs.stale);
	ss.stale = true;
	assert_int_equal(state_source_save(test_dir, "s", &ss, &err), 0);
	state_source_load(test_dir, "s", &gs);
	assert_true(gs.stale);
	assert_int_equal(gs.retry_after, 200);

	assert_int_equal(state_output_save(test_dir, "o", &so, &err), 0);
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
	assert_int_equal(state_output_save(test_dir, "o", &so, &err), 0);
	rewrite(path, "entries 12", "entries 12\nwhatever");
	state_output_load(test_dir, "o", &go);
	assert_false(go.hook_pending);
	/* A known key with a bad value is garbled too. */
	static const char *const bad_values[][2] = {
		{"entries 12", "entries -1"},
		{"changed 50", "changed x"},
		{"digest ", "digest 0"},
	};
	for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
		assert_int_equal(state_output_save(test_dir, "o", &so, &err), 0);
		rewrite(path, bad_values[i][0], bad_values[i][1]);
		state_output_load(test_dir, "o", &go);
		if (go.hook_pending || go.entries != 0)
			fail_msg("\"%s\" was accepted", bad_values[i][1]);
	}
	/* Missing: zeroed. */
	state_source_load(test_dir, "nobody", &gs);
	assert_int_equal(gs.attempt, 0);
}

/* The last run: its times and exit code, or zeroes. */
static void
test_run_record(void **state)
{
	const struct state_run r = {.start = 1000, .end = 1042, .exit_code = 3};
	struct state_run got;
	char path[600];
	struct err err;
	(void)state;

	state_run_load(test_dir, &got);
	assert_int_equal(got.start, 0);
	assert_int_equal(got.exit_code, 0);
	assert_int_equal(state_run_save(test_dir, &r, &err), 0);
	state_run_load(test_dir, &got);
	assert_int_equal(got.start, 1000);
	assert_int_equal(got.end, 1042);
	assert_int_equal(got.exit_code, 3);
	/* The state directory's top, beside the lock. */
	snprintf(path, sizeof path, "%s/run.status", test_dir);
	assert_int_equal(access(path, F_OK), 0);
	/* An exit code no int holds is garbled: zeroed. */
	rewrite(path, "exit_code 3", "exit_code 4294967299");
	state_run_load(test_dir, &got);
	assert_int_equal(got.start, 0);
	assert_int_equal(got.exit_code, 0);
	assert_int_equal(state_run_save(test_dir, &r, &err), 0);
	rewrite(path, "exit_code 3", "exit_code -1");
	state_run_load(test_dir, &got);
	assert_int_equal(got.exit_code, -1);
	assert_int_equal(got.end, 1042);
}

static void
test_digest(void **state)
{
	struct pset *a = test_set("8.8.8.0/24\n"), *b = test_set("8.8.8.0/25\n8.8.8.128/25\n"),
		    *c = test_set("8.8.8.0/23\n");
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

/* The layout: sources/, outputs/ and lists/, the administrator's. */
static void
test_init_layout(void **state)
{
	static const char *const subs[] = {"sources", "outputs", STATE_LISTS_DIR};
	char path[600];
	struct stat st;
	(void)state;

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", test_dir, subs[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 022, 0);
	}
}

static int
setup(void **state)
{
	struct err err;
	(void)state;
	if (test_dir_setup(state) < 0)
		return -1;
	return state_init(test_dir, &err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_layout),
		cmocka_unit_test(test_list_roundtrip),
		cmocka_unit_test(test_list_corrupt),
		cmocka_unit_test(test_list_not_canonical),
		cmocka_unit_test(test_list_keep),
		cmocka_unit_test(test_list_v2),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_run_record),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_digest_form),
	};
	return cmocka_run_group_tests_name("state", tests, setup, test_dir_teardown);
}
