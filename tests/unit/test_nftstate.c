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
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct nftstate st, back;
	struct pset *p = pset_new();
	char err[512];

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
	assert_int_equal(nftstate_save(f->path, &st, p, err), 0);

	nftstate_init(&back);
	assert_int_equal(nftstate_load(f->path, &back, err), 0);
	assert_string_equal(back.boot, "0f0e-boot");
	assert_true(back.netns == 4242);
	assert_int_equal(back.gen, 17);
	assert_int_equal(back.family, NFPROTO_INET);
	assert_string_equal(back.table, "filter");
	assert_string_equal(back.set[0], "allowsync4");
	assert_string_equal(back.set[1], "");
	assert_int_equal(back.r[0].n, 2);
	assert_true(back.r[0].v[0].lo == 0x0a000000 && back.r[0].v[0].hi == 0x0a0000ff);
	assert_true(back.r[0].v[0].has_end);
	/* The interval at the top has no end element. */
	assert_false(back.r[0].v[1].has_end);
	assert_int_equal(back.r[1].n, 1);
	assert_true(back.r[1].v[0].hi == ~(u128)0);
	assert_false(back.r[1].v[0].has_end);
	nftstate_release(&back);
	nftstate_release(&st);
	pset_free(p);
}

static void
test_absent(void **state)
{
	struct fx *f = *state;
	struct nftstate st;
	char err[512];

	nftstate_init(&st);
	assert_int_equal(nftstate_load(f->path, &st, err), 1);
	nftstate_release(&st);
}

static const char *const bad[] = {
	/* wrong magic */
	"allowsync-nft-state 2\nboot b\nnetns 1\ngen 1\nfamily inet\ntable t\nset4 s\nset6 -\nv4 0\nv6 0\nend\n",
	/* truncated: no end line */
	"allowsync-nft-state 1\nboot b\nnetns 1\ngen 1\nfamily inet\ntable t\nset4 s\nset6 -\nv4 1\n0a000000 0a0000ff\nv6 0\n",
	/* fewer ranges than announced */
	"allowsync-nft-state 1\nboot b\nnetns 1\ngen 1\nfamily inet\ntable t\nset4 s\nset6 -\nv4 2\n0a000000 0a0000ff\nv6 0\nend\n",
	/* adjacent ranges are not canonical */
	"allowsync-nft-state 1\nboot b\nnetns 1\ngen 1\nfamily inet\ntable t\nset4 s\nset6 -\nv4 2\n0a000000 0a0000ff\n0a000100 0a0001ff\nv6 0\nend\n",
	/* hi below lo */
	"allowsync-nft-state 1\nboot b\nnetns 1\ngen 1\nfamily inet\ntable t\nset4 s\nset6 -\nv4 1\n0a0000ff 0a000000\nv6 0\nend\n",
	/* an IPv4 value too wide */
	"allowsync-nft-state 1\nboot b\nnetns 1\ngen 1\nfamily inet\ntable t\nset4 s\nset6 -\nv4 1\n10a000000 10a0000ff\nv6 0\nend\n",
	/* unknown family */
	"allowsync-nft-state 1\nboot b\nnetns 1\ngen 1\nfamily bridge\ntable t\nset4 s\nset6 -\nv4 0\nv6 0\nend\n",
	/* trailing garbage */
	"allowsync-nft-state 1\nboot b\nnetns 1\ngen 1\nfamily inet\ntable t\nset4 s\nset6 -\nv4 0\nv6 0\nend\nmore\n",
};

static void
test_malformed(void **state)
{
	struct fx *f = *state;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nftstate st;

		nftstate_init(&st);
		write_file(f->path, bad[i]);
		assert_int_equal(nftstate_load(f->path, &st, err), -1);
		assert_non_null(strstr(err, "malformed"));
		assert_int_equal(st.r[0].n, 0);
		nftstate_release(&st);
	}
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
		cmocka_unit_test(test_boot_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
