/* pset — sorted, merged range sets of both families; see pset.h.
 *
 * Storage differs by family only to save memory: an IPv4 range is packed
 * into one uint64_t (start in the high half, end in the low half), an
 * IPv6 range is a pair of u128.  Everything else reads and writes ranges
 * through range_get/range_put, so merge, subtract, contains and the CIDR
 * cover are written once, on 128-bit values (only the CIDR count has an
 * IPv4 shortcut, for speed).
 */
#include "pset.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct pset {
	uint64_t *v4;
	size_t n4, cap4;
	struct pfx_range *v6;
	size_t n6, cap6;
	bool merged;
	/* What was worked out from the content, kept until it changes:
	 * the counts (the policy, the guards and the status lines ask
	 * several times a run, of the same set or of its copies) and a
	 * caller's tag (the state digest).  Behind a pointer so that a
	 * const set can remember them. */
	struct pset_memo *memo;
};

struct pset_memo {
	/* CIDR cover size, address count and broadest range per family
	 * (index 0 IPv4, 1 IPv6), worked out together in one pass. */
	bool counts_known;
	size_t cidrs[2];
	u128 addrs[2];
	int broadest_len[2];
	bool tag_known;
	unsigned char tag[PSET_TAG_SIZE];
};

/* The content changed: nothing worked out from it holds. */
static void
memo_forget(struct pset *s)
{
	s->memo->counts_known = false;
	s->memo->tag_known = false;
}

static const struct pset_memo *counts(const struct pset *s, struct pset_memo *scratch);

static inline struct pfx_range
range_get(const struct pset *s, enum pfx_family fam, size_t i)
{
	if (fam == PFX_V4)
		return (struct pfx_range){s->v4[i] >> 32, s->v4[i] & UINT32_MAX};
	return s->v6[i];
}

static inline void
range_put(struct pset *s, enum pfx_family fam, size_t i, struct pfx_range r)
{
	if (fam == PFX_V4)
		s->v4[i] = (uint64_t)r.lo << 32 | (uint64_t)r.hi;
	else
		s->v6[i] = r;
}

static inline size_t *
count_of(struct pset *s, enum pfx_family fam)
{
	return fam == PFX_V4 ? &s->n4 : &s->n6;
}

struct pset *
pset_new(void)
{
	struct pset *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (!(s->memo = calloc(1, sizeof *s->memo))) {
		free(s);
		return NULL;
	}
	s->merged = true;
	return s;
}

void
pset_free(struct pset *s)
{
	if (!s)
		return;
	free(s->v4);
	free(s->v6);
	free(s->memo);
	free(s);
}

void
pset_clear(struct pset *s)
{
	s->n4 = s->n6 = 0;
	s->merged = true;
	memo_forget(s);
}

/* Make room for `extra` more ranges of a family. */
static int
reserve(struct pset *s, enum pfx_family fam, size_t extra)
{
	size_t n = fam == PFX_V4 ? s->n4 : s->n6;
	size_t *cap = fam == PFX_V4 ? &s->cap4 : &s->cap6;
	size_t size = fam == PFX_V4 ? sizeof *s->v4 : sizeof *s->v6;
	void **data = fam == PFX_V4 ? (void **)&s->v4 : (void **)&s->v6;

	if (n + extra <= *cap)
		return 0;
	if (extra > SIZE_MAX / 2 / size - n)
		return -1;
	size_t want = *cap ? *cap : 64;
	while (want < n + extra)
		want *= 2;
	void *p = realloc(*data, want * size);
	if (!p)
		return -1;
	*data = p;
	*cap = want;
	return 0;
}

int
pset_reserve(struct pset *s, enum pfx_family fam, size_t extra)
{
	return reserve(s, fam, extra);
}

/* Room for one more range: inline while there is some (a parser or a
 * loader appends 100k ranges one by one). */
static inline int
reserve_one(struct pset *s, enum pfx_family fam)
{
	if (fam == PFX_V4 ? s->n4 < s->cap4 : s->n6 < s->cap6)
		return 0;
	return reserve(s, fam, 1);
}

int
pset_add_range(struct pset *s, enum pfx_family fam, u128 lo, u128 hi)
{
	if (reserve_one(s, fam) < 0)
		return -1;
	size_t *n = count_of(s, fam);
	range_put(s, fam, (*n)++, (struct pfx_range){lo, hi});
	s->merged = false;
	memo_forget(s);
	return 0;
}

int
pset_append_canonical(struct pset *s, enum pfx_family fam, u128 lo, u128 hi)
{
	size_t n = pset_count(s, fam);

	/* IPv4 in 64 bits, while there is room (loading a stored set of
	 * 100k ranges): the checks below, on the packed form. */
	if (fam == PFX_V4 && s->merged && n < s->cap4 && n > 0 && hi <= UINT32_MAX) {
		uint64_t last = s->v4[n - 1] & UINT32_MAX;
		if (hi < lo || lo <= last + 1) /* before, overlapping or adjacent */
			return 1;
		s->v4[s->n4++] = (uint64_t)lo << 32 | (uint64_t)hi;
		memo_forget(s);
		return 0;
	}

	if (!s->merged || hi < lo || hi > pfx_max(fam))
		return 1;
	if (n > 0) {
		u128 last = range_get(s, fam, n - 1).hi;
		/* Not after it, or adjacent (last + 1 overflows at the top). */
		if (lo <= last || lo - last == 1)
			return 1;
	}
	if (reserve_one(s, fam) < 0)
		return -1;
	range_put(s, fam, (*count_of(s, fam))++, (struct pfx_range){lo, hi});
	memo_forget(s);
	return 0;
}

int
pset_add_pfx(struct pset *s, const struct pfx *p)
{
	return pset_add_range(s, p->fam, p->r.lo, p->r.hi);
}

int
pset_add_set(struct pset *s, const struct pset *other)
{
	bool was_empty = s->n4 == 0 && s->n6 == 0;

	if (reserve(s, PFX_V4, other->n4) < 0 || reserve(s, PFX_V6, other->n6) < 0)
		return -1;
	/* memcpy with a NULL pointer is undefined even for 0 bytes. */
	if (other->n4)
		memcpy(s->v4 + s->n4, other->v4, other->n4 * sizeof *s->v4);
	if (other->n6)
		memcpy(s->v6 + s->n6, other->v6, other->n6 * sizeof *s->v6);
	s->n4 += other->n4;
	s->n6 += other->n6;
	if (was_empty) {
		/* A copy: as merged as the original, with its counts (an
		 * output fed by one source is its merged copy, and counting
		 * 100k ranges again is not free). */
		s->merged = other->merged;
		*s->memo = *other->memo;
	} else if (other->n4 || other->n6) {
		s->merged = false;
		memo_forget(s);
	}
	return 0;
}

struct pset *
pset_dup(const struct pset *s)
{
	struct pset *d = pset_new();
	if (!d || pset_add_set(d, s) < 0) {
		pset_free(d);
		return NULL;
	}
	return d;
}

/* LSD radix sort by a 64-bit key, 11 bits a pass, skipping the digits
 * every element shares: an IPv4 set (key: the 32-bit start) needs at
 * most 3 passes.  IPv6 sorts by the top 64 bits of the start, then each
 * run of equal tops (rare: addresses inside one /64) by the full start.
 * Always inlined so that the key function and element size are
 * constants in each copy. */
#define RADIX_BITS 11
#define RADIX_BUCKETS (1u << RADIX_BITS)
#define RADIX_PASSES ((64 + RADIX_BITS - 1) / RADIX_BITS)

static inline __attribute__((always_inline)) void
radix_sort(unsigned char *base, unsigned char *tmp, size_t n, size_t size,
	   uint64_t (*key)(const unsigned char *))
{
	static_assert(RADIX_PASSES * RADIX_BITS >= 64, "radix passes cover the key");
	size_t count[RADIX_PASSES][RADIX_BUCKETS];
	unsigned char *src = base, *dst = tmp;

	memset(count, 0, sizeof count);
	for (size_t i = 0; i < n; i++) {
		uint64_t k = key(src + i * size);
		for (int d = 0; d < RADIX_PASSES; d++)
			count[d][(k >> (d * RADIX_BITS)) & (RADIX_BUCKETS - 1)]++;
	}
	uint64_t first = key(src);
	for (int d = 0; d < RADIX_PASSES; d++) {
		size_t *c = count[d], sum = 0;
		unsigned shift = (unsigned)d * RADIX_BITS;
		if (c[(first >> shift) & (RADIX_BUCKETS - 1)] == n)
			continue; /* every element has the same digit here */
		for (unsigned v = 0; v < RADIX_BUCKETS; v++) {
			size_t t = c[v];
			c[v] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++) {
			const unsigned char *e = src + i * size;
			memcpy(dst + c[(key(e) >> shift) & (RADIX_BUCKETS - 1)]++ * size, e, size);
		}
		unsigned char *t = src;
		src = dst;
		dst = t;
	}
	if (src != base)
		memcpy(base, src, n * size);
}

static inline uint64_t
key_v4(const unsigned char *e)
{
	uint64_t v;
	memcpy(&v, e, sizeof v);
	return v >> 32;
}

static inline uint64_t
key_v6_top(const unsigned char *e)
{
	struct pfx_range r;
	memcpy(&r, e, sizeof r);
	return (uint64_t)(r.lo >> 64);
}

static int
cmp_v6_lo(const void *a, const void *b)
{
	u128 x = ((const struct pfx_range *)a)->lo, y = ((const struct pfx_range *)b)->lo;
	return (x > y) - (x < y);
}

/* Lists are often published sorted, and state files always are. */
static bool
sorted_already(const struct pset *s, enum pfx_family fam)
{
	size_t n = pset_count(s, fam);
	for (size_t i = 1; i < n; i++)
		if (range_get(s, fam, i - 1).lo > range_get(s, fam, i).lo)
			return false;
	return true;
}

/* Past this share of entries out of order, a list is not nearly sorted. */
#define NEARLY_SORTED_DIVISOR 16

/* A list that is sorted but for a few entries (a published list edited
 * in place: a block renumbered, a few lines appended) sorts in one
 * pass: the entries out of order go aside, the rest stays in order in
 * place, the few are sorted and merged back from the end.  An entry
 * above both neighbours is the one set aside, not every entry after it.
 * false, with every element still in a (permuted), when too many are
 * out of order; side has room for n. */
static bool
sort_nearly_sorted_v4(uint64_t *a, size_t n, uint64_t *side)
{
	size_t w = 0, ns = 0, max_side = n / NEARLY_SORTED_DIVISOR;

	for (size_t i = 0; i < n; i++) {
		uint64_t x = a[i];
		if (w == 0 || a[w - 1] <= x) {
			a[w++] = x;
		} else if (w == 1 || a[w - 2] <= x) {
			side[ns++] = a[w - 1]; /* a spike: x goes in its place */
			a[w - 1] = x;
		} else {
			side[ns++] = x;
		}
		if (ns > max_side) {
			/* a[w..i] is free: exactly the ns set aside. */
			memcpy(a + w, side, ns * sizeof *a);
			return false;
		}
	}
	if (ns == 0)
		return true;
	/* The few by the radix sort (room for its buffer behind them), then
	 * merged from the top: the write position stays above the unread
	 * part of a. */
	radix_sort((unsigned char *)side, (unsigned char *)(side + ns), ns, sizeof *side, key_v4);
	size_t i = w, j = ns, out = n;
	while (j > 0) {
		if (i > 0 && a[i - 1] > side[j - 1])
			a[--out] = a[--i];
		else
			a[--out] = side[--j];
	}
	return true;
}

static int
sort_family(struct pset *s, enum pfx_family fam)
{
	size_t n = fam == PFX_V4 ? s->n4 : s->n6;
	if (n < 2)
		return 0;
	if (fam == PFX_V4) {
		/* The first pass checks the order and mends a nearly sorted
		 * list in the same go. */
		uint64_t *tmp = malloc(n * sizeof *tmp);
		if (!tmp)
			return -1;
		if (!sort_nearly_sorted_v4(s->v4, n, tmp))
			radix_sort((unsigned char *)s->v4, (unsigned char *)tmp, n, sizeof *tmp,
				   key_v4);
		free(tmp);
		return 0;
	}
	if (sorted_already(s, fam))
		return 0;
	struct pfx_range *tmp = malloc(n * sizeof *tmp);
	if (!tmp)
		return -1;
	radix_sort((unsigned char *)s->v6, (unsigned char *)tmp, n, sizeof *tmp, key_v6_top);
	free(tmp);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		uint64_t top = (uint64_t)(s->v6[i].lo >> 64);
		while (j < n && (uint64_t)(s->v6[j].lo >> 64) == top)
			j++;
		if (j - i > 1)
			qsort(s->v6 + i, j - i, sizeof *s->v6, cmp_v6_lo);
		i = j;
	}
	return 0;
}

/* One sweep over ranges sorted by start: overlapping and adjacent ranges
 * join.  A range reaching the top of the space absorbs the rest (its
 * hi + 1 would wrap).  Inlined with a constant family, as the
 * subtraction is. */
static inline __attribute__((always_inline)) void
sweep(struct pset *s, enum pfx_family fam)
{
	size_t *n = count_of(s, fam), w = 0;
	if (*n == 0)
		return;
	u128 top = pfx_max(fam);
	struct pfx_range cur = range_get(s, fam, 0);
	for (size_t i = 1; i < *n; i++) {
		struct pfx_range r = range_get(s, fam, i);
		if (cur.hi == top || r.lo <= cur.hi + 1) {
			if (r.hi > cur.hi)
				cur.hi = r.hi;
			continue;
		}
		range_put(s, fam, w++, cur);
		cur = r;
	}
	range_put(s, fam, w++, cur);
	*n = w;
}

int
pset_merge(struct pset *s)
{
	if (s->merged)
		return 0;
	if (sort_family(s, PFX_V4) < 0 || sort_family(s, PFX_V6) < 0)
		return -1;
	sweep(s, PFX_V4);
	sweep(s, PFX_V6);
	s->merged = true;
	memo_forget(s);
	return 0;
}

bool
pset_is_merged(const struct pset *s)
{
	return s->merged;
}

size_t
pset_count(const struct pset *s, enum pfx_family fam)
{
	return fam == PFX_V4 ? s->n4 : s->n6;
}

struct pfx_range
pset_get(const struct pset *s, enum pfx_family fam, size_t i)
{
	return range_get(s, fam, i);
}

size_t
pset_get_many(const struct pset *s, enum pfx_family fam, size_t from, struct pfx_range *out,
	      size_t max)
{
	size_t n = pset_count(s, fam);

	if (from >= n)
		return 0;
	if (max > n - from)
		max = n - from;
	if (fam == PFX_V4)
		for (size_t i = 0; i < max; i++)
			out[i] = (struct pfx_range){s->v4[from + i] >> 32, s->v4[from + i] & UINT32_MAX};
	else
		memcpy(out, s->v6 + from, max * sizeof *out);
	return max;
}

size_t
pset_total(const struct pset *s)
{
	return s->n4 + s->n6;
}

u128
pset_addr_count(const struct pset *s, enum pfx_family fam)
{
	struct pset_memo scratch;

	return counts(s, &scratch)->addrs[fam == PFX_V4 ? 0 : 1];
}

bool
pset_contains(const struct pset *s, enum pfx_family fam, u128 addr)
{
	size_t lo = 0, hi = pset_count(s, fam);

	/* Find the first range starting after addr; the one before it is
	 * the only candidate. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (range_get(s, fam, mid).lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && range_get(s, fam, lo - 1).hi >= addr;
}

bool
pset_contains_range(const struct pset *s, enum pfx_family fam, u128 lo, u128 hi)
{
	size_t a = 0, b = pset_count(s, fam);

	while (a < b) { /* the first range starting after lo */
		size_t mid = a + (b - a) / 2;
		if (range_get(s, fam, mid).lo <= lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a > 0 && range_get(s, fam, a - 1).hi >= hi;
}

char *
pset_format_count(u128 n, char *buf)
{
	char digits[40];
	size_t nd = 0, o = 0;

	do {
		digits[nd++] = (char)('0' + (int)(n % 10));
		n /= 10;
	} while (n);
	while (nd) {
		buf[o++] = digits[--nd];
		if (nd && nd % 3 == 0)
			buf[o++] = ',';
	}
	buf[o] = 0;
	return buf;
}

bool
pset_equal(const struct pset *a, const struct pset *b)
{
	return a->n4 == b->n4 && a->n6 == b->n6 &&
	       (a->n4 == 0 || memcmp(a->v4, b->v4, a->n4 * sizeof *a->v4) == 0) &&
	       (a->n6 == 0 || memcmp(a->v6, b->v6, a->n6 * sizeof *a->v6) == 0);
}

/* Write s_fam - m_fam into out (fresh storage of the same family).
 * Inlined into each caller with a constant family, so that IPv4 ranges
 * are unpacked without the IPv6 branch: it halves the diff of 100k.
 * Each exclusion splits at most one range in two, so ns + nm pieces are
 * room enough, reserved once. */
static inline __attribute__((always_inline)) int
subtract_family(const struct pset *s, const struct pset *m, enum pfx_family fam,
		struct pset *out)
{
	size_t ns = pset_count(s, fam), nm = pset_count(m, fam), j = 0, w = 0;

	if (reserve(out, fam, ns + nm) < 0)
		return -1;
	for (size_t i = 0; i < ns; i++) {
		/* The same range on both sides (nearly all of them, diffing
		 * a set against its last run's): nothing of it is left, and
		 * the exclusion cannot touch the ranges after it.  Tested on
		 * the packed form first, and again once the exclusions
		 * before r are skipped (after a range only one side has). */
		if (fam == PFX_V4 && j < nm && s->v4[i] == m->v4[j]) {
			j++;
			continue;
		}
		struct pfx_range r = range_get(s, fam, i);
		/* Skip exclusions wholly before r; they cannot touch later
		 * ranges either, since both lists are sorted. */
		while (j < nm && range_get(m, fam, j).hi < r.lo)
			j++;
		if (fam == PFX_V4 && j < nm && s->v4[i] == m->v4[j]) {
			j++;
			continue;
		}
		size_t k = j;
		bool alive = true;
		while (alive && k < nm) {
			struct pfx_range x = range_get(m, fam, k);
			if (x.lo > r.hi)
				break;
			if (x.lo > r.lo)
				range_put(out, fam, w++, (struct pfx_range){r.lo, x.lo - 1});
			if (x.hi >= r.hi)
				alive = false;
			else
				r.lo = x.hi + 1;
			k++;
		}
		if (alive)
			range_put(out, fam, w++, r);
	}
	*count_of(out, fam) = w;
	return 0;
}

/* out = s - m, both merged; out's storage is replaced. */
static int
subtract_into(const struct pset *s, const struct pset *m, struct pset *out)
{
	pset_clear(out);
	if (subtract_family(s, m, PFX_V4, out) < 0 || subtract_family(s, m, PFX_V6, out) < 0)
		return -1;
	/* Pieces of sorted disjoint ranges stay sorted and disjoint. */
	out->merged = true;
	memo_forget(out);
	return 0;
}

int
pset_subtract(struct pset *s, const struct pset *minus)
{
	if (minus->n4 == 0 && minus->n6 == 0)
		return 0;
	struct pset *out = pset_new();
	if (!out)
		return -1;
	if (subtract_into(s, minus, out) < 0) {
		pset_free(out);
		return -1;
	}
	free(s->v4);
	free(s->v6);
	free(s->memo);
	*s = *out;
	free(out);
	return 0;
}

int
pset_diff(const struct pset *from, const struct pset *to, struct pset *added,
	  struct pset *removed)
{
	if (added && subtract_into(to, from, added) < 0)
		return -1;
	if (removed && subtract_into(from, to, removed) < 0)
		return -1;
	return 0;
}

static inline int
ctz128(u128 v)
{
	uint64_t low = (uint64_t)v;
	return low ? __builtin_ctzll(low) : 64 + __builtin_ctzll((uint64_t)(v >> 64));
}

static inline int
log2_128(u128 v) /* v > 0 */
{
	uint64_t high = (uint64_t)(v >> 64);
	return high ? 127 - __builtin_clzll(high) : 63 - __builtin_clzll((uint64_t)v);
}

int
pfx_range_each_cidr(enum pfx_family fam, const struct pfx_range *r, pset_cidr_fn fn, void *ctx)
{
	int bits = pfx_bits(fam);
	u128 lo = r->lo, hi = r->hi;

	for (;;) {
		/* The largest block that starts at lo (alignment) and ends by
		 * hi (size). */
		int k = lo == 0 ? bits : ctz128(lo);
		u128 span = hi - lo; /* size - 1, cannot overflow */
		int fit = span == ~(u128)0 ? 128 : log2_128(span + 1);
		if (fit < k)
			k = fit;
		if (k > bits)
			k = bits;
		int rc = fn(ctx, fam, lo, bits - k);
		if (rc)
			return rc;
		u128 last = k == 128 ? ~(u128)0 : lo + (((u128)1 << k) - 1);
		if (last >= hi)
			return 0;
		lo = last + 1;
	}
}

int
pset_each_cidr(const struct pset *s, enum pfx_family fam, pset_cidr_fn fn, void *ctx)
{
	size_t n = pset_count(s, fam);
	for (size_t i = 0; i < n; i++) {
		struct pfx_range r = range_get(s, fam, i);
		int rc = pfx_range_each_cidr(fam, &r, fn, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

/* Without -mpopcnt, __builtin_popcountll is a call into libgcc that cost
 * more than the rest of the CIDR count; the bit-parallel sum is inline. */
static inline int
popcount64(uint64_t v)
{
#ifdef __POPCNT__
	return __builtin_popcountll(v);
#else
	v -= (v >> 1) & 0x5555555555555555u;
	v = (v & 0x3333333333333333u) + ((v >> 2) & 0x3333333333333333u);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fu;
	return (int)((v * 0x0101010101010101u) >> 56);
#endif
}

static inline int
popcount128(u128 v)
{
	return popcount64((uint64_t)v) + popcount64((uint64_t)(v >> 64));
}

/* How many CIDRs the minimal cover of one range holds, without walking
 * it.  With y = hi + 1 and m the multiple of 2^k between lo and y, k the
 * highest bit where lo and y differ: the cover climbs from lo to m in
 * blocks given by the bits of m - lo, then descends to y in blocks given
 * by the bits of y - m. */
static size_t
range_cidr_count(enum pfx_family fam, struct pfx_range r)
{
	if (r.hi == ~(u128)0) { /* y would wrap: count the walk */
		size_t n = 0;
		for (;;) {
			int k = r.lo == 0 ? 128 : ctz128(r.lo);
			n++;
			if (k == 128)
				return n;
			r.lo += (u128)1 << k;
			if (r.lo == 0)
				return n;
		}
	}
	(void)fam;
	u128 y = r.hi + 1, diff = r.lo ^ y;
	int k = log2_128(diff);
	u128 m = y >> k << k;
	return (size_t)(popcount128(m - r.lo) + popcount128(y - m));
}

/* range_cidr_count for IPv4, in 64 bits: y = hi + 1 cannot wrap here,
 * and 128-bit arithmetic doubled the cost of counting a large set.
 * hw: with the POPCNT instruction (only in a function built for it). */
static inline __attribute__((always_inline)) size_t
range_cidr_count_v4(uint64_t lo, uint64_t hi, bool hw)
{
	uint64_t y = hi + 1;
	int k = 63 - __builtin_clzll(lo ^ y); /* lo < y: they differ */
	uint64_t m = y >> k << k;
	if (hw)
		return (size_t)(__builtin_popcountll(m - lo) + __builtin_popcountll(y - m));
	return (size_t)(popcount64(m - lo) + popcount64(y - m));
}

/* The bit length of v: 0 for 0. */
static inline int
bit_length128(u128 v)
{
	return v == 0 ? 0 : log2_128(v) + 1;
}

/* CIDR cover size, address count and the broadest range of one family,
 * in one pass: the counts are asked for together (the policy, the
 * guards), and each pass over 100k ranges costs as much as the next. */
static inline __attribute__((always_inline)) void
count_v4(const uint64_t *v, size_t count, bool hw, size_t *cidrs, u128 *addrs,
	 int *broadest_len)
{
	uint64_t total = 0, widest = 0; /* 2^32 addresses at most */
	size_t n = 0;

	for (size_t i = 0; i < count; i++) {
		uint64_t lo = v[i] >> 32, hi = v[i] & UINT32_MAX;
		n += range_cidr_count_v4(lo, hi, hw);
		total += hi - lo + 1;
		if (hi - lo > widest)
			widest = hi - lo;
	}
	*cidrs = n;
	*addrs = total;
	*broadest_len = count ? 32 - bit_length128(widest) : 32;
}

/* The IPv4 count is two popcounts a range: where the build does not
 * assume the instruction, a copy built for it runs on the CPUs that have
 * it (nearly all), with half the instructions of the portable one. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__POPCNT__)
__attribute__((target("popcnt"))) static void
count_v4_popcnt(const uint64_t *v, size_t count, size_t *cidrs, u128 *addrs, int *broadest_len)
{
	count_v4(v, count, true, cidrs, addrs, broadest_len);
}
#define HAVE_COUNT_V4_POPCNT 1
#endif

static void
count_family(const struct pset *s, enum pfx_family fam, size_t *cidrs, u128 *addrs,
	     int *broadest_len)
{
	size_t n = 0, count = pset_count(s, fam);

	if (fam == PFX_V4) {
#ifdef HAVE_COUNT_V4_POPCNT
		if (__builtin_cpu_supports("popcnt")) {
			count_v4_popcnt(s->v4, count, cidrs, addrs, broadest_len);
			return;
		}
#endif
#ifdef __POPCNT__
		count_v4(s->v4, count, true, cidrs, addrs, broadest_len);
#else
		count_v4(s->v4, count, false, cidrs, addrs, broadest_len);
#endif
		return;
	}
	u128 total = 0, top = ~(u128)0, widest = 0;
	bool saturated = false;
	for (size_t i = 0; i < count; i++) {
		struct pfx_range r = s->v6[i];
		u128 size_minus_one = r.hi - r.lo;
		n += range_cidr_count(fam, r);
		if (size_minus_one > widest)
			widest = size_minus_one;
		if (saturated || top - total <= size_minus_one)
			saturated = true;
		else
			total += size_minus_one + 1;
	}
	*cidrs = n;
	*addrs = saturated ? top : total;
	*broadest_len = count ? 128 - bit_length128(widest) : 128;
}

/* The memo's counts, worked out on first use (a merged set only: an
 * unmerged one is counted afresh each time). */
static const struct pset_memo *
counts(const struct pset *s, struct pset_memo *scratch)
{
	struct pset_memo *m = s->merged ? s->memo : scratch;

	if (!s->merged || !m->counts_known) {
		count_family(s, PFX_V4, &m->cidrs[0], &m->addrs[0], &m->broadest_len[0]);
		count_family(s, PFX_V6, &m->cidrs[1], &m->addrs[1], &m->broadest_len[1]);
		m->counts_known = true;
	}
	return m;
}

void
pset_tag_put(const struct pset *s, const unsigned char tag[PSET_TAG_SIZE])
{
	if (!s->merged)
		return;
	memcpy(s->memo->tag, tag, PSET_TAG_SIZE);
	s->memo->tag_known = true;
}

bool
pset_tag_get(const struct pset *s, unsigned char tag[PSET_TAG_SIZE])
{
	if (!s->merged || !s->memo->tag_known)
		return false;
	memcpy(tag, s->memo->tag, PSET_TAG_SIZE);
	return true;
}

size_t
pset_cidr_count(const struct pset *s, enum pfx_family fam)
{
	struct pset_memo scratch;

	return counts(s, &scratch)->cidrs[fam == PFX_V4 ? 0 : 1];
}

int
pset_broadest_len(const struct pset *s, enum pfx_family fam)
{
	struct pset_memo scratch;

	return counts(s, &scratch)->broadest_len[fam == PFX_V4 ? 0 : 1];
}
