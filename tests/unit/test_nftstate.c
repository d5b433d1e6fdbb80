/* Unit tests: nftstate — the record of what an nftables output applied:
 * round trip of both families (top of the address space included),
 * absent file, and refusal of damaged or non-canonical records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nftstate.h"

#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx {
	char dir[64];
	char path[128];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_nftstate.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/nft-fw.state", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct nftstate st, back;
	struct pset *p = pset_new();
	struct err err;

	nftstate_init(&st);
	snprintf(st.boot, sizeof(st.boot), "0f0e-boot");
	st.netns = 4242;
	st.gen = 17;
	st.family = NFPROTO_INET;
	snprintf(st.table, sizeof(st.table), "filter");
	snprintf(st.set[0], sizeof(st.set[0]), "allowsync4");
	assert_int_equal(pset_add_range(p, PFX_V4, 0x0a000000, 0x0a0000ff), 0);
	assert_int_equal(pset_add_range(p, PFX_V4, 0xffffff00, 0xffffffff), 0);
	assert_int_equal(pset_add_range(p, PFX_V6, ~(u128)0 - 15, ~(u128)0), 0);
	assert_int_equal(pset_merge(p), 0);
	assert_int_equal(nftstate_save(f->path, &st, p, &err), 0);

	nftstate_init(&back);
	assert_int_equal(nftstate_load(f->path, &back, &err), 0);
	assert_string_equal(back.boot, "0f0e-boot");
	assert_true(back.netns == 4242);
	assert_int_equal(back.gen, 17);
	assert_int_equal(back.family, NFPROTO_INET);
	assert_string_equal(back.table, "filter");
	assert_string_equal(back.set[0], "allowsync4");
	assert_string_equal(back.set[1], "");
	assert_non_null(back.ranges);
	assert_true(pset_is_merged(back.ranges));
	assert_true(pset_equal(back.ranges, p));
	assert_int_equal(pset_count(back.ranges, PFX_V4), 2);
	assert_true(pset_get(back.ranges, PFX_V4, 1).hi == 0xffffffff);
	assert_int_equal(pset_count(back.ranges, PFX_V6), 1);
	assert_true(pset_get(back.ranges, PFX_V6, 0).hi == ~(u128)0);
	nftstate_release(&back);
	nftstate_release(&st);
	pset_free(p);
}

static void
test_absent(void **state)
{
	struct fx *f = *state;
	struct nftstate st;
	struct err err;

	nftstate_init(&st);
	assert_int_equal(nftstate_load(f->path, &st, &err), 1);
	nftstate_release(&st);
}

/* A record as the loader reads it: the header lines, then IPv4 ranges as
 * uint32 pairs, then the tail. */
struct rec {
	const char *head;
	size_t n;
	uint32_t v4[4];
	const char *tail;
};

#define HEAD(v4count) "allowsync-nft-state 2\nboot b\nnetns 1\ngen 1\nfamily inet\ntable t\n" \
		      "set4 s\nset6 -\nv4 " #v4count "\nv6 0\n"

static const struct rec bad[] = {
	/* the previous version's magic */
	{"allowsync-nft-state 1\nboot b\nnetns 1\ngen 1\nfamily inet\ntable t\nset4 s\nset6 -\n"
	 "v4 0\nv6 0\n", 0, {0}, "end\n"},
	/* truncated: no end line */
	{HEAD(1), 1, {0x0a000000, 0x0a0000ff}, ""},
	/* fewer ranges than announced */
	{HEAD(2), 1, {0x0a000000, 0x0a0000ff}, "end\n"},
	/* more ranges than the file can hold */
	{HEAD(99999999), 1, {0x0a000000, 0x0a0000ff}, "end\n"},
	/* adjacent ranges are not canonical */
	{HEAD(2), 2, {0x0a000000, 0x0a0000ff, 0x0a000100, 0x0a0001ff}, "end\n"},
	/* out of order */
	{HEAD(2), 2, {0x0b000000, 0x0b0000ff, 0x0a000000, 0x0a0000ff}, "end\n"},
	/* hi below lo */
	{HEAD(1), 1, {0x0a0000ff, 0x0a000000}, "end\n"},
	/* unknown family */
	{"allowsync-nft-state 2\nboot b\nnetns 1\ngen 1\nfamily bridge\ntable t\nset4 s\n"
	 "set6 -\nv4 0\nv6 0\n", 0, {0}, "end\n"},
	/* a signed count */
	{"allowsync-nft-state 2\nboot b\nnetns 1\ngen 1\nfamily inet\ntable t\nset4 s\n"
	 "set6 -\nv4 -1\nv6 0\n", 0, {0}, "end\n"},
	/* trailing garbage */
	{HEAD(0), 0, {0}, "end\nmore\n"},
};

static void
write_rec(const char *path, const struct rec *r)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(r->head, fp);
	fwrite(r->v4, sizeof(uint32_t), 2 * r->n, fp);
	fputs(r->tail, fp);
	fclose(fp);
}

static void
expect_malformed(const char *path)
{
	struct nftstate st;
	struct err err;

	nftstate_init(&st);
	assert_int_equal(nftstate_load(path, &st, &err), -1);
	assert_non_null(strstr(err.msg, "malformed"));
	assert_null(st.ranges);
	nftstate_release(&st);
}

static void
test_malformed(void **state)
{
	struct fx *f = *state;
	struct nftstate st;
	struct err err;

	/* The well-formed record the bad ones are variations of. */
	write_rec(f->path, &(struct rec){HEAD(1), 1, {0x0a000000, 0x0a0000ff}, "end\n"});
	nftstate_init(&st);
	assert_int_equal(nftstate_load(f->path, &st, &err), 0);
	assert_int_equal(pset_count(st.ranges, PFX_V4), 1);
	nftstate_release(&st);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_malformed((write_rec(f->path, &bad[i]), f->path));
}

/* A record cut short anywhere (a crash mid-write without the rename
 * would not do that, but a full disk or a copy might) is refused. */
static void
test_truncated_anywhere(void **state)
{
	struct fx *f = *state;
	struct nftstate st;
	struct pset *p = pset_new();
	struct err err;
	char *whole;
	long len;
	FILE *fp;

	nftstate_init(&st);
	st.family = NFPROTO_INET;
	snprintf(st.table, sizeof(st.table), "filter");
	snprintf(st.set[0], sizeof(st.set[0]), "a4");
	snprintf(st.set[1], sizeof(st.set[1]), "a6");
	assert_int_equal(pset_add_range(p, PFX_V4, 0x0a000000, 0x0a0000ff), 0);
	assert_int_equal(pset_add_range(p, PFX_V6, (u128)0x20010db8 << 96, ((u128)0x20010db8 << 96) | 0xff), 0);
	assert_int_equal(pset_merge(p), 0);
	assert_int_equal(nftstate_save(f->path, &st, p, &err), 0);
	fp = fopen(f->path, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	whole = malloc((size_t)len);
	assert_int_equal(fread(whole, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	for (long cut = 0; cut < len; cut++) {
		fp = fopen(f->path, "w");
		assert_non_null(fp);
		fwrite(whole, 1, (size_t)cut, fp);
		fclose(fp);
		expect_malformed(f->path);
	}
	free(whole);
	pset_free(p);
}

static void
test_boot_id(void **state)
{
	char a[40], b[40];

	(void)state;
	nftstate_boot_id(a);
	nftstate_boot_id(b);
	assert_string_equal(a, b);
	assert_true(strlen(a) == 0 || strlen(a) == 36);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_anywhere, setup, teardown),
		cmocka_unit_test(test_boot_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
