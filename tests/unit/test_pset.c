/* Unit tests: pset — merge, subtract, diff, contains, CIDR cover, counts,
 * with exhaustive properties on an 8-bit slice of each family. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The 8-bit space used for the properties: the last octet under a base
 * aligned to 256, at the bottom, in the middle and at the top of each
 * family (where hi + 1 wraps). */
static const u128 v4_bases[] = {0, 0x0a000000, 0xffffff00};
#define V6_TOP (~(u128)0 - 255)

struct collect {
	u128 lo[300];
	int len[300];
	size_t n;
};

static int
collect_cidr(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	struct collect *c = ctx;
	(void)fam;
	assert_true(c->n < 300);
	c->lo[c->n] = addr;
	c->len[c->n++] = len;
	return 0;
}

/* Fewest aligned blocks covering exactly [a, b] of an 8-bit space. */
static int
min_blocks(int a, int b)
{
	int best[258];
	best[b + 1] = 0;
	for (int x = b; x >= a; x--) {
		best[x] = 1000;
		for (int k = 0; k <= 8; k++) {
			int size = 1 << k;
			if (x % size || x + size - 1 > b)
				break;
			if (1 + best[x + size] < best[x])
				best[x] = 1 + best[x + size];
		}
	}
	return best[a];
}

static void
check_cover(enum pfx_family fam, u128 base, int a, int b)
{
	struct collect c = {.n = 0};
	struct pfx_range r = {base + (u128)a, base + (u128)b};
	int bits = pfx_bits(fam);

	assert_int_equal(pfx_range_each_cidr(fam, &r, collect_cidr, &c), 0);
	u128 next = r.lo;
	for (size_t i = 0; i < c.n; i++) {
		u128 host = pfx_hostmask(fam, c.len[i]);
		assert_true(c.lo[i] == next);     /* contiguous, in order */
		assert_true((c.lo[i] & host) == 0); /* aligned */
		assert_true(c.len[i] >= bits - 8);
		next = c.lo[i] + host + 1;
	}
	assert_true(next - 1 == r.hi); /* exact */
	assert_int_equal((int)c.n, min_blocks(a, b));
	/* The arithmetic count agrees with the walk. */
	struct pset *s = pset_new();
	pset_add_range(s, fam, r.lo, r.hi);
	pset_merge(s);
	assert_int_equal(pset_cidr_count(s, fam), c.n);
	pset_free(s);
}

static void
test_cover_exhaustive(void **state)
{
	(void)state;
	for (size_t bi = 0; bi < 3; bi++)
		for (int a = 0; a < 256; a++)
			for (int b = a; b < 256; b++)
				check_cover(PFX_V4, v4_bases[bi], a, b);
	for (int a = 0; a < 256; a++)
		for (int b = a; b < 256; b++) {
			check_cover(PFX_V6, V6_TOP, a, b);
			check_cover(PFX_V6, 0, a, b);
		}
}

static void
test_cover_whole_spaces(void **state)
{
	struct collect c = {.n = 0};
	struct pfx_range all4 = {0, UINT32_MAX}, all6 = {0, ~(u128)0};
	(void)state;
	pfx_range_each_cidr(PFX_V4, &all4, collect_cidr, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.len[0], 0);
	c.n = 0;
	pfx_range_each_cidr(PFX_V6, &all6, collect_cidr, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.len[0], 0);
	c.n = 0;
	struct pfx_range almost = {1, ~(u128)0};
	pfx_range_each_cidr(PFX_V6, &almost, collect_cidr, &c);
	assert_int_equal(c.n, 128);
	struct pset *s = pset_new();
	pset_add_range(s, PFX_V6, almost.lo, almost.hi);
	pset_add_range(s, PFX_V4, 0, UINT32_MAX);
	pset_merge(s);
	assert_int_equal(pset_cidr_count(s, PFX_V6), 128);
	assert_int_equal(pset_cidr_count(s, PFX_V4), 1);
	pset_clear(s);
	pset_add_range(s, PFX_V6, 0, ~(u128)0);
	pset_merge(s);
	assert_int_equal(pset_cidr_count(s, PFX_V6), 1);
	pset_free(s);
}

/* Random sets in an 8-bit slice: merge agrees with a bitmap, ranges are
 * disjoint and non-adjacent, the CIDR cover round-trips. */
static void
test_merge_roundtrip_random(void **state)
{
	(void)state;
	srand(12345);
	for (int round = 0; round < 3000; round++) {
		enum pfx_family fam = round % 2 ? PFX_V6 : PFX_V4;
		u128 base = fam == PFX_V4 ? v4_bases[round % 3] : (round % 4 == 1 ? V6_TOP : 0);
		bool bit[256] = {false};
		struct pset *s = pset_new();
		int k = 1 + rand() % 12;
		for (int i = 0; i < k; i++) {
			int a = rand() % 256, b = a + rand() % (round % 5 == 0 ? 256 : 8);
			if (b > 255)
				b = 255;
			for (int x = a; x <= b; x++)
				bit[x] = true;
			assert_int_equal(pset_add_range(s, fam, base + (u128)a, base + (u128)b), 0);
		}
		assert_int_equal(pset_merge(s), 0);
		size_t n = pset_count(s, fam);
		for (size_t i = 0; i < n; i++) {
			struct pfx_range r = pset_get(s, fam, i);
			assert_true(r.lo <= r.hi);
			if (i > 0)
				assert_true(pset_get(s, fam, i - 1).hi + 1 < r.lo);
		}
		for (int x = 0; x < 256; x++)
			assert_int_equal(pset_contains(s, fam, base + (u128)x), bit[x]);
		struct collect c = {.n = 0};
		pset_each_cidr(s, fam, collect_cidr, &c);
		assert_int_equal(c.n, pset_cidr_count(s, fam));
		struct pset *t = pset_new();
		for (size_t i = 0; i < c.n; i++)
			pset_add_range(t, fam, c.lo[i], c.lo[i] + pfx_hostmask(fam, c.len[i]));
		assert_int_equal(pset_merge(t), 0);
		assert_true(pset_equal(s, t));
		pset_free(t);
		pset_free(s);
	}
}

static void
test_top_of_space_merges(void **state)
{
	struct pset *s = pset_new();
	(void)state;
	pset_add_range(s, PFX_V4, 0xfffffff0, UINT32_MAX);
	pset_add_range(s, PFX_V4, 0xffffff00, 0xfffffff5);
	pset_add_range(s, PFX_V4, 0, 0);
	pset_add_range(s, PFX_V4, 1, 1);
	pset_add_range(s, PFX_V6, ~(u128)0, ~(u128)0);
	pset_add_range(s, PFX_V6, ~(u128)0 - 1, ~(u128)0 - 1);
	pset_merge(s);
	assert_int_equal(pset_count(s, PFX_V4), 2);
	assert_true(pset_get(s, PFX_V4, 0).hi == 1);
	assert_true(pset_get(s, PFX_V4, 1).lo == 0xffffff00);
	assert_int_equal(pset_count(s, PFX_V6), 1);
	assert_true(pset_addr_count(s, PFX_V6) == 2);
	assert_true(pset_addr_count(s, PFX_V4) == 2 + 256);
	pset_free(s);
}

static void
test_families_distinct(void **state)
{
	struct pset *s = pset_new();
	(void)state;
	/* 10.0.0.1 and ::a00:1 share the 128-bit value; they must not meet. */
	pset_add_range(s, PFX_V4, 0x0a000001, 0x0a000001);
	pset_add_range(s, PFX_V6, 0x0a000002, 0x0a000002);
	pset_merge(s);
	assert_int_equal(pset_count(s, PFX_V4), 1);
	assert_int_equal(pset_count(s, PFX_V6), 1);
	assert_false(pset_contains(s, PFX_V4, 0x0a000002));
	assert_false(pset_contains(s, PFX_V6, 0x0a000001));
	assert_int_equal(pset_total(s), 2);
	pset_free(s);
}

static void
test_subtract_and_diff(void **state)
{
	struct pset *s = pset_new(), *m = pset_new(), *a = pset_new(), *r = pset_new();
	(void)state;
	pset_add_range(s, PFX_V4, 0, 99);
	pset_add_range(s, PFX_V4, 200, 299);
	pset_add_range(s, PFX_V6, 0, ~(u128)0);
	pset_add_range(m, PFX_V4, 10, 19);
	pset_add_range(m, PFX_V4, 50, 250);
	pset_add_range(m, PFX_V4, 299, 400);
	pset_add_range(m, PFX_V6, 5, 5);
	pset_merge(s);
	pset_merge(m);
	struct pset *orig = pset_dup(s);
	assert_int_equal(pset_subtract(s, m), 0);
	assert_int_equal(pset_count(s, PFX_V4), 3);
	assert_true(pset_get(s, PFX_V4, 0).lo == 0 && pset_get(s, PFX_V4, 0).hi == 9);
	assert_true(pset_get(s, PFX_V4, 1).lo == 20 && pset_get(s, PFX_V4, 1).hi == 49);
	assert_true(pset_get(s, PFX_V4, 2).lo == 251 && pset_get(s, PFX_V4, 2).hi == 298);
	assert_int_equal(pset_count(s, PFX_V6), 2);
	assert_true(pset_is_merged(s));
	/* The remembered CIDR counts follow every change. */
	for (enum pfx_family fam = PFX_V4; fam <= PFX_V6; fam += 2) {
		struct collect c = {.n = 0};
		pset_each_cidr(s, fam, collect_cidr, &c);
		assert_int_equal(pset_cidr_count(s, fam), c.n);
	}
	assert_int_equal(pset_cidr_count(s, PFX_V6), 128); /* ::/126, ::4, then ::6/127 … 8000::/1 */
	struct pset *e = pset_dup(s);
	pset_clear(e);
	assert_int_equal(pset_cidr_count(e, PFX_V4), 0);
	pset_add_range(e, PFX_V4, 1, 2);
	assert_int_equal(pset_cidr_count(e, PFX_V4), 2);
	pset_merge(e);
	assert_int_equal(pset_cidr_count(e, PFX_V4), 2);
	pset_free(e);

	assert_int_equal(pset_diff(orig, s, a, r), 0);
	assert_int_equal(pset_total(a), 0);
	assert_int_equal(pset_count(r, PFX_V4), 4); /* 10-19, 50-99, 200-250, 299 */
	assert_int_equal(pset_diff(s, orig, a, NULL), 0);
	assert_int_equal(pset_count(a, PFX_V4), 4);
	assert_true(pset_contains(a, PFX_V4, 299));
	assert_false(pset_contains(a, PFX_V4, 300));
	assert_false(pset_equal(s, orig));

	pset_free(orig);
	pset_free(s);
	pset_free(m);
	pset_free(a);
	pset_free(r);
}

static int
count_cidr(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	(void)fam;
	(void)addr;
	(void)len;
	++*(size_t *)ctx;
	return 0;
}

/* The IPv4 CIDR count has its own 64-bit code: it must agree with the
 * walk across the whole 32-bit space, edges included. */
static void
test_cidr_count_v4_wide(void **state)
{
	(void)state;
	srand(99);
	for (int i = 0; i < 20000; i++) {
		uint32_t a = (uint32_t)rand() << 16 ^ (uint32_t)rand();
		uint32_t b = (uint32_t)rand() << 16 ^ (uint32_t)rand();
		if (i % 4 == 1)
			a = 0;
		if (i % 4 == 2)
			b = UINT32_MAX;
		if (a > b) {
			uint32_t t = a;
			a = b;
			b = t;
		}
		struct pfx_range r = {a, b};
		size_t walked = 0;
		pfx_range_each_cidr(PFX_V4, &r, count_cidr, &walked);
		struct pset *s = pset_new();
		pset_add_range(s, PFX_V4, a, b);
		pset_merge(s);
		assert_int_equal(pset_cidr_count(s, PFX_V4), walked);
		pset_free(s);
	}
}

static void
test_large_radix(void **state)
{
	struct pset *s = pset_new();
	(void)state;
	srand(7);
	/* Random /24s and hosts, both families, many duplicates. */
	for (int i = 0; i < 200000; i++) {
		uint32_t a = (uint32_t)rand() << 8;
		pset_add_range(s, PFX_V4, a & 0xffffff00u, a | 0xff);
		u128 v6 = (u128)(uint32_t)rand() << 96 | (u128)(i % 1000);
		pset_add_range(s, PFX_V6, v6, v6);
	}
	assert_int_equal(pset_merge(s), 0);
	for (enum pfx_family fam = PFX_V4; fam <= PFX_V6; fam += 2) {
		size_t n = pset_count(s, fam);
		assert_true(n > 1000);
		for (size_t i = 1; i < n; i++)
			assert_true(pset_get(s, fam, i - 1).hi + 1 < pset_get(s, fam, i).lo);
	}
	struct pset *d = pset_dup(s);
	assert_true(pset_equal(s, d));
	pset_clear(d);
	assert_int_equal(pset_total(d), 0);
	pset_free(d);
	pset_free(s);
	pset_free(NULL);
}

/* A tag stays with the content: kept by copies, dropped by any change,
 * refused on an unmerged set; counts are carried by copies too. */
static void
test_tag(void **state)
{
	unsigned char t[PSET_TAG_SIZE], got[PSET_TAG_SIZE];
	struct pset *s = pset_new(), *c;
	(void)state;

	memset(t, 0x5a, sizeof t);
	assert_int_equal(pset_add_range(s, PFX_V4, 0x0a000000, 0x0a0000ff), 0);
	pset_tag_put(s, t); /* unmerged: not kept */
	assert_false(pset_tag_get(s, got));
	assert_int_equal(pset_merge(s), 0);
	assert_false(pset_tag_get(s, got));
	pset_tag_put(s, t);
	assert_true(pset_tag_get(s, got));
	assert_memory_equal(got, t, sizeof t);
	assert_int_equal(pset_cidr_count(s, PFX_V4), 1);

	c = pset_dup(s);
	assert_non_null(c);
	assert_true(pset_is_merged(c));
	assert_true(pset_tag_get(c, got));
	assert_memory_equal(got, t, sizeof t);
	/* Into a non-empty set: a different content, no tag. */
	assert_int_equal(pset_add_set(c, s), 0);
	assert_false(pset_tag_get(c, got));
	pset_free(c);

	assert_int_equal(pset_add_range(s, PFX_V4, 0x0b000000, 0x0b000000), 0);
	assert_false(pset_tag_get(s, got));
	assert_int_equal(pset_merge(s), 0);
	assert_false(pset_tag_get(s, got));
	pset_tag_put(s, t);
	struct pset *m = pset_new();
	assert_int_equal(pset_add_range(m, PFX_V4, 0x0b000000, 0x0b000000), 0);
	assert_int_equal(pset_merge(m), 0);
	assert_int_equal(pset_subtract(s, m), 0);
	assert_false(pset_tag_get(s, got));
	pset_tag_put(s, t);
	pset_clear(s);
	assert_false(pset_tag_get(s, got));
	pset_free(m);
	pset_free(s);
}

/* Appending a stored canonical form: in order with gaps only, the set
 * stays merged; anything else is refused without changing it. */
static void
test_append_canonical(void **state)
{
	struct pset *s = pset_new();
	(void)state;

	assert_int_equal(pset_append_canonical(s, PFX_V4, 10, 20), 0);
	assert_int_equal(pset_append_canonical(s, PFX_V4, 21, 30), 1); /* adjacent */
	assert_int_equal(pset_append_canonical(s, PFX_V4, 15, 40), 1); /* overlapping */
	assert_int_equal(pset_append_canonical(s, PFX_V4, 5, 6), 1);   /* before */
	assert_int_equal(pset_append_canonical(s, PFX_V4, 50, 40), 1); /* hi < lo */
	assert_int_equal(pset_append_canonical(s, PFX_V4, 50, (u128)UINT32_MAX + 1), 1);
	assert_int_equal(pset_append_canonical(s, PFX_V4, 22, UINT32_MAX), 0);
	assert_int_equal(pset_append_canonical(s, PFX_V4, UINT32_MAX, UINT32_MAX), 1);
	/* The families are independent; at the top of IPv6 nothing follows. */
	assert_int_equal(pset_append_canonical(s, PFX_V6, 0, ~(u128)0), 0);
	assert_int_equal(pset_append_canonical(s, PFX_V6, 0, 0), 1);
	assert_true(pset_is_merged(s));
	assert_int_equal(pset_count(s, PFX_V4), 2);
	assert_int_equal(pset_count(s, PFX_V6), 1);
	assert_true(pset_get(s, PFX_V4, 1).lo == 22);
	assert_int_equal(pset_cidr_count(s, PFX_V6), 1);
	/* Not on an unmerged set. */
	assert_int_equal(pset_add_range(s, PFX_V4, 1, 1), 0);
	assert_int_equal(pset_append_canonical(s, PFX_V6, 0, 0), 1);
	pset_free(s);
}

static u128
parse_u128(const char *t)
{
	u128 v = 0;

	for (; *t >= '0' && *t <= '9'; t++)
		v = v * 10 + (u128)(*t - '0');
	return v;
}

/* The reference script sits in data/ next to this file (tests run from
 * the source tree). */
static FILE *
open_reference(void)
{
	char cmd[4200];
	const char *slash = strrchr(__FILE__, '/');

	snprintf(cmd, sizeof cmd, "python3 '%.*s/data/pset_count_ref.py' 15 300",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	return popen(cmd, "r");
}

/* Address counts, exact in 128 bits, against Python's ipaddress on 300
 * random sets of both families (fixed seed), with exclusions. */
static void
test_addr_count_differential(void **state)
{
	char line[256], buf[PSET_COUNT_TEXT];
	FILE *f;
	struct pset *s = NULL, *x = NULL;
	size_t sets = 0;
	u128 c4 = 0;
	(void)state;

	if (system("python3 -c 'import ipaddress' >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(f = open_reference());
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (strcmp(line, "set") == 0) {
			pset_free(s);
			pset_free(x);
			assert_non_null(s = pset_new());
			assert_non_null(x = pset_new());
			sets++;
		} else if (line[0] == 'p' || line[0] == 'x') {
			struct pfx p;
			struct err err;
			if (!pfx_parse(line + 2, strlen(line + 2), &p, &err))
				fail_msg("reference prefix %s: %s", line + 2, err.msg);
			assert_int_equal(pset_add_pfx(line[0] == 'p' ? s : x, &p), 0);
		} else if (line[0] == 'c') {
			char *c6 = strstr(line, " c6 ");
			assert_non_null(c6);
			assert_int_equal(pset_merge(s), 0);
			c4 = parse_u128(line + 3);
			assert_true(pset_addr_count(s, PFX_V4) == c4);
			if (pset_addr_count(s, PFX_V6) != parse_u128(c6 + 4))
				fail_msg("set %zu: IPv6 count differs from %s", sets, c6 + 4);
		} else if (line[0] == 'd') {
			char *d6 = strstr(line, " d6 ");
			assert_non_null(d6);
			assert_int_equal(pset_merge(x), 0);
			assert_int_equal(pset_subtract(s, x), 0);
			if (pset_addr_count(s, PFX_V4) != parse_u128(line + 3) ||
			    pset_addr_count(s, PFX_V6) != parse_u128(d6 + 4))
				fail_msg("set %zu: count after exclusions differs from %s", sets, line);
		} else if (line[0] == 'f') {
			/* Python's f"{n:,}" of the union's IPv4 count. */
			assert_string_equal(pset_format_count(c4, buf), line + 3);
		}
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(sets, 300);
	pset_free(s);
	pset_free(x);
}

static void
test_format_count(void **state)
{
	char buf[PSET_COUNT_TEXT];
	(void)state;

	assert_string_equal(pset_format_count(0, buf), "0");
	assert_string_equal(pset_format_count(999, buf), "999");
	assert_string_equal(pset_format_count(1000, buf), "1,000");
	assert_string_equal(pset_format_count(10240, buf), "10,240");
	assert_string_equal(pset_format_count(8398848, buf), "8,398,848");
	assert_string_equal(pset_format_count((u128)1 << 32, buf), "4,294,967,296");
	assert_string_equal(pset_format_count(~(u128)0, buf),
			    "340,282,366,920,938,463,463,374,607,431,768,211,455");
}

static void
test_contains_range(void **state)
{
	struct pset *s = pset_new();
	(void)state;

	assert_int_equal(pset_add_range(s, PFX_V4, 100, 200), 0);
	assert_int_equal(pset_add_range(s, PFX_V4, 300, 400), 0);
	assert_int_equal(pset_merge(s), 0);
	assert_true(pset_contains_range(s, PFX_V4, 100, 200));
	assert_true(pset_contains_range(s, PFX_V4, 150, 150));
	assert_true(pset_contains_range(s, PFX_V4, 300, 400));
	assert_false(pset_contains_range(s, PFX_V4, 99, 200));
	assert_false(pset_contains_range(s, PFX_V4, 150, 301));
	assert_false(pset_contains_range(s, PFX_V4, 201, 299));
	assert_false(pset_contains_range(s, PFX_V6, 100, 200));
	pset_free(s);
}

/* The counts worked out the slow way, from the ranges: the reference
 * for the remembered ones. */
struct walked {
	size_t cidrs;
	u128 addrs;
	int broadest;
};

static int
count_one(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	(void)fam;
	(void)addr;
	(void)len;
	(*(size_t *)ctx)++;
	return 0;
}

static struct walked
walk_counts(const struct pset *s, enum pfx_family fam)
{
	struct walked w = {0, 0, pfx_bits(fam)};

	pset_each_cidr(s, fam, count_one, &w.cidrs);
	for (size_t i = 0; i < pset_count(s, fam); i++) {
		struct pfx_range r = pset_get(s, fam, i);
		int len = pfx_bits(fam);
		for (u128 span = r.hi - r.lo; span; span >>= 1)
			len--;
		if (len < w.broadest)
			w.broadest = len;
		w.addrs += r.hi - r.lo + 1;
	}
	return w;
}

/* Every query, of both families, agrees with the walk. */
static void
assert_counts(const struct pset *s)
{
	static const enum pfx_family fams[] = {PFX_V4, PFX_V6};

	for (int k = 0; k < 2; k++) {
		struct walked w = walk_counts(s, fams[k]);
		for (int again = 0; again < 2; again++) { /* computed, then remembered */
			assert_int_equal(pset_cidr_count(s, fams[k]), w.cidrs);
			assert_true(pset_addr_count(s, fams[k]) == w.addrs);
			assert_int_equal(pset_broadest_len(s, fams[k]), w.broadest);
		}
	}
}

/* The remembered counts follow every change of the set: each change is
 * made after the counts were asked for, so a stale memo shows. */
static void
test_counts_follow_changes(void **state)
{
	struct pset *s = pset_new(), *m = pset_new(), *c;
	(void)state;

	assert_counts(s); /* empty: 0, 0 and the family's width */
	assert_int_equal(pset_broadest_len(s, PFX_V4), 32);
	assert_int_equal(pset_broadest_len(s, PFX_V6), 128);
	assert_int_equal(pset_add_range(s, PFX_V4, 0x0a000000, 0x0a0000ff), 0);
	assert_counts(s); /* unmerged */
	assert_int_equal(pset_merge(s), 0);
	assert_counts(s);
	assert_int_equal(pset_broadest_len(s, PFX_V4), 24);
	assert_int_equal(pset_add_range(s, PFX_V4, 0x0b000001, 0x0b000100), 0); /* 256, unaligned */
	assert_int_equal(pset_add_range(s, PFX_V6, 1, 3), 0);
	assert_counts(s);
	assert_int_equal(pset_merge(s), 0);
	assert_counts(s);
	assert_int_equal(pset_broadest_len(s, PFX_V4), 24);
	assert_int_equal(pset_append_canonical(s, PFX_V4, 0x0c000000, 0x0c000200), 0); /* 513 */
	assert_counts(s);
	assert_int_equal(pset_broadest_len(s, PFX_V4), 22);
	assert_int_equal(pset_append_canonical(s, PFX_V6, 0x100, 0x1ff), 0);
	assert_counts(s);

	c = pset_dup(s); /* a copy carries them, right */
	assert_counts(c);
	assert_int_equal(pset_add_set(c, s), 0); /* into a non-empty set */
	assert_counts(c);
	assert_int_equal(pset_merge(c), 0);
	assert_counts(c);
	assert_true(pset_equal(c, s));

	assert_int_equal(pset_add_range(m, PFX_V4, 0x0c000100, 0x0c000100), 0);
	assert_int_equal(pset_add_range(m, PFX_V6, 2, 2), 0);
	assert_int_equal(pset_merge(m), 0);
	assert_counts(m);
	assert_int_equal(pset_subtract(s, m), 0);
	assert_counts(s);
	assert_int_equal(pset_broadest_len(s, PFX_V4), 24);

	struct pset *added = pset_new(), *removed = pset_new();
	assert_int_equal(pset_diff(s, c, added, removed), 0);
	assert_counts(added);
	assert_counts(removed);
	assert_true(pset_addr_count(added, PFX_V4) == 1 && pset_addr_count(added, PFX_V6) == 1);
	assert_int_equal(pset_diff(c, s, added, removed), 0); /* outputs reused */
	assert_counts(added);
	assert_counts(removed);
	assert_true(pset_addr_count(added, PFX_V4) == 0 && pset_addr_count(removed, PFX_V4) == 1);

	pset_clear(c);
	assert_counts(c);
	assert_int_equal(pset_cidr_count(c, PFX_V4), 0);
	/* The whole IPv6 space saturates; its broadest range is a /0. */
	assert_int_equal(pset_add_range(c, PFX_V6, 0, ~(u128)0), 0);
	assert_int_equal(pset_merge(c), 0);
	assert_true(pset_addr_count(c, PFX_V6) == ~(u128)0);
	assert_int_equal(pset_broadest_len(c, PFX_V6), 0);
	assert_int_equal(pset_cidr_count(c, PFX_V6), 1);
	pset_free(added);
	pset_free(removed);
	pset_free(c);
	pset_free(m);
	pset_free(s);
}

/* pset_get_many hands out the ranges pset_get does, in batches of any
 * size, and nothing past the end. */
static void
test_get_many(void **state)
{
	static const enum pfx_family fams[] = {PFX_V4, PFX_V6};
	struct pset *s = pset_new();
	struct pfx_range buf[7];
	(void)state;

	assert_int_equal(pset_get_many(s, PFX_V4, 0, buf, 7), 0);
	/* Room ahead changes nothing; room beyond memory is refused. */
	assert_int_equal(pset_reserve(s, PFX_V4, 1000), 0);
	assert_int_equal(pset_reserve(s, PFX_V6, SIZE_MAX), -1);
	assert_int_equal(pset_total(s), 0);
	assert_true(pset_is_merged(s));
	for (u128 i = 0; i < 20; i++) {
		assert_int_equal(pset_add_range(s, PFX_V4, 0xfffff000 + i * 10, 0xfffff000 + i * 10 + i % 3), 0);
		assert_int_equal(pset_add_range(s, PFX_V6, ~(u128)0 - 1000 + i * 10, ~(u128)0 - 1000 + i * 10 + 1), 0);
	}
	assert_int_equal(pset_merge(s), 0);
	for (int k = 0; k < 2; k++)
		for (size_t max = 1; max <= 7; max++) {
			size_t i = 0, got;
			while ((got = pset_get_many(s, fams[k], i, buf, max)) > 0) {
				assert_true(got <= max);
				for (size_t j = 0; j < got; j++) {
					struct pfx_range r = pset_get(s, fams[k], i + j);
					assert_true(buf[j].lo == r.lo && buf[j].hi == r.hi);
				}
				i += got;
			}
			assert_int_equal(i, pset_count(s, fams[k]));
			assert_int_equal(pset_get_many(s, fams[k], i + 5, buf, max), 0);
		}
	pset_free(s);
}

static int
cmp_range_lo(const void *a, const void *b)
{
	const struct pfx_range *x = a, *y = b;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Merge the slow way: qsort, then join overlapping and adjacent. */
static size_t
reference_merge(struct pfx_range *r, size_t n)
{
	size_t w = 0;

	qsort(r, n, sizeof *r, cmp_range_lo);
	for (size_t i = 0; i < n; i++) {
		if (w > 0 && r[i].lo <= r[w - 1].hi + 1) {
			if (r[i].hi > r[w - 1].hi)
				r[w - 1].hi = r[i].hi;
		} else {
			r[w++] = r[i];
		}
	}
	return w;
}

/* The IPv4 sort on orders a list comes in: sorted, sorted but for a few
 * entries moved up or down (the one-pass mend), just past the share the
 * mend takes, reversed, random, ties; each merged as the reference does. */
static void
test_sort_orders(void **state)
{
	enum { N = 4800 };
	static struct pfx_range in[N], ref[N];
	(void)state;

	srand(11);
	for (int pattern = 0; pattern < 10; pattern++) {
		struct pset *s = pset_new();
		for (size_t i = 0; i < N; i++) {
			u128 lo = 0x0b000000 + (u128)i * 256 + (u128)(rand() % 50);
			switch (pattern) {
			case 1: /* every 100th up: spikes */
				if (i % 100 == 0) lo += 0x01000000;
				break;
			case 2: /* every 100th down: dips */
				if (i % 100 == 0) lo -= 0x01000000;
				break;
			case 3: /* a block appended out of place */
				if (i >= N - N / 20) lo -= 0x00800000;
				break;
			case 4: /* one more out of order than the mend takes */
				if (i % (N / (N / 16 + 1)) == 0) lo -= 0x01000000;
				break;
			case 5: lo = 0x0b000000 + (u128)(N - i) * 256; break;
			case 6: lo = (u128)(uint32_t)rand(); break;
			case 7: lo = 0x0b000000 + (u128)(i % 7) * 3; break; /* ties, overlaps */
			case 8: /* neighbours that overlap and touch */
				lo = 0x0b000000 + (u128)i * 40 + (i % 13 == 0 ? 4000 : 0);
				break;
			case 9: /* two runs interleaved */
				lo = 0x0b000000 + (u128)(i / 2) * 256 + (i % 2) * 0x00100000;
				break;
			}
			u128 hi = lo + (u128)(rand() % 100);
			if (hi > UINT32_MAX)
				hi = UINT32_MAX;
			in[i] = (struct pfx_range){lo, hi};
			ref[i] = in[i];
			assert_int_equal(pset_add_range(s, PFX_V4, lo, hi), 0);
		}
		size_t nref = reference_merge(ref, N);
		assert_int_equal(pset_merge(s), 0);
		if (pset_count(s, PFX_V4) != nref)
			fail_msg("pattern %d: %zu ranges, reference %zu", pattern,
				 pset_count(s, PFX_V4), nref);
		for (size_t i = 0; i < nref; i++) {
			struct pfx_range r = pset_get(s, PFX_V4, i);
			if (r.lo != ref[i].lo || r.hi != ref[i].hi)
				fail_msg("pattern %d: range %zu differs", pattern, i);
		}
		pset_free(s);
	}
}

/* A set of the 4096 addresses above base as a bitmap, and back. */
#define SMALL_SPACE 4096
static void
to_bits(const struct pset *s, u128 base, unsigned char *bits)
{
	memset(bits, 0, SMALL_SPACE);
	for (size_t i = 0; i < pset_count(s, PFX_V4); i++) {
		struct pfx_range r = pset_get(s, PFX_V4, i);
		for (u128 a = r.lo; a <= r.hi; a++)
			bits[a - base] = 1;
	}
}

/* The difference of a set and its next version (most ranges the same,
 * some moved, cut, dropped or new), both ways, against bitmaps: the
 * subtraction's shortcut for equal ranges must keep in step. */
static void
test_diff_versions_bitmap(void **state)
{
	static unsigned char ba[SMALL_SPACE], bb[SMALL_SPACE], badd[SMALL_SPACE], brem[SMALL_SPACE];
	const u128 base = 0x0b000000;
	(void)state;

	srand(5);
	for (int round = 0; round < 300; round++) {
		struct pset *a = pset_new(), *b = pset_new(), *add = pset_new(), *rem = pset_new();
		for (u128 lo = base + (u128)(rand() % 8); lo + 40 < base + SMALL_SPACE;
		     lo += 10 + (u128)(rand() % 30)) {
			u128 hi = lo + (u128)(rand() % 8);
			pset_add_range(a, PFX_V4, lo, hi);
			switch (rand() % 12) {
			case 0: break; /* dropped */
			case 1: pset_add_range(b, PFX_V4, lo + 1, hi + 1); break;
			case 2: pset_add_range(b, PFX_V4, lo, hi + 3); break;
			case 3: pset_add_range(b, PFX_V4, lo + 2, hi); break;
			case 4: /* a new one after it */
				pset_add_range(b, PFX_V4, lo, hi);
				pset_add_range(b, PFX_V4, hi + 2, hi + 2);
				break;
			default: pset_add_range(b, PFX_V4, lo, hi);
			}
		}
		assert_int_equal(pset_merge(a), 0);
		assert_int_equal(pset_merge(b), 0);
		to_bits(a, base, ba);
		to_bits(b, base, bb);
		assert_int_equal(pset_diff(a, b, add, rem), 0);
		to_bits(add, base, badd);
		to_bits(rem, base, brem);
		for (size_t i = 0; i < SMALL_SPACE; i++) {
			assert_int_equal(badd[i], bb[i] && !ba[i]);
			assert_int_equal(brem[i], ba[i] && !bb[i]);
		}
		assert_true(pset_is_merged(add) && pset_is_merged(rem));
		for (size_t i = 1; i < pset_count(add, PFX_V4); i++)
			assert_true(pset_get(add, PFX_V4, i - 1).hi + 1 < pset_get(add, PFX_V4, i).lo);
		pset_free(a);
		pset_free(b);
		pset_free(add);
		pset_free(rem);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cover_exhaustive),
		cmocka_unit_test(test_cover_whole_spaces),
		cmocka_unit_test(test_cidr_count_v4_wide),
		cmocka_unit_test(test_merge_roundtrip_random),
		cmocka_unit_test(test_top_of_space_merges),
		cmocka_unit_test(test_families_distinct),
		cmocka_unit_test(test_subtract_and_diff),
		cmocka_unit_test(test_large_radix),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_append_canonical),
		cmocka_unit_test(test_addr_count_differential),
		cmocka_unit_test(test_format_count),
		cmocka_unit_test(test_contains_range),
		cmocka_unit_test(test_counts_follow_changes),
		cmocka_unit_test(test_get_many),
		cmocka_unit_test(test_sort_orders),
		cmocka_unit_test(test_diff_versions_bitmap),
	};
	return cmocka_run_group_tests_name("pset", tests, NULL, NULL);
}
