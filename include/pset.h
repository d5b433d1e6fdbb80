/* pset — a set of addresses of both families, kept as sorted, merged,
 * non-overlapping, non-adjacent ranges.
 *
 * Entries are appended freely (pset_add*) and normalised by pset_merge:
 * one radix sort by start address, then one sweep (as FireHOL iprange
 * does).  Every other operation requires a merged set; a set returned by
 * any operation here is merged.  The same code handles both families on
 * 128-bit values; IPv4 ranges are stored packed in 64 bits so that a
 * million of them fit in 8 MiB.
 */
#ifndef ALLOWSYNC_PSET_H
#define ALLOWSYNC_PSET_H

#include "pfx.h"

#include <stdbool.h>
#include <stddef.h>

struct pset;

struct pset *pset_new(void);
void pset_free(struct pset *s);
void pset_clear(struct pset *s);
struct pset *pset_dup(const struct pset *s);

/* Append an entry; the set is unmerged until pset_merge.  -1 on ENOMEM. */
int pset_add_range(struct pset *s, enum pfx_family fam, u128 lo, u128 hi);
int pset_add_pfx(struct pset *s, const struct pfx *p);
/* Append a range to a merged set, which stays merged: for reading a set
 * stored in its canonical form.  0; 1 when [lo, hi] is not a range of
 * the family strictly after the last one with a gap (the stored form is
 * not canonical); -1 on ENOMEM. */
int pset_append_canonical(struct pset *s, enum pfx_family fam, u128 lo, u128 hi);
int pset_add_set(struct pset *s, const struct pset *other);
/* Room for extra more ranges of a family, so that a loader that knows
 * the count appends without growing the storage step by step (each step
 * a copy).  -1 on ENOMEM. */
int pset_reserve(struct pset *s, enum pfx_family fam, size_t extra);

/* Sort and sweep; idempotent.  -1 on ENOMEM (the set is unchanged). */
int pset_merge(struct pset *s);
bool pset_is_merged(const struct pset *s);

/* Number of ranges of a family, and the i-th one (0 <= i < count). */
size_t pset_count(const struct pset *s, enum pfx_family fam);
struct pfx_range pset_get(const struct pset *s, enum pfx_family fam, size_t i);

/* Up to max ranges of a family from the from-th on, copied into out;
 * how many (0 past the end).  For walking a whole set: a call per range
 * cost more than the work done with most of them. */
size_t pset_get_many(const struct pset *s, enum pfx_family fam, size_t from,
		     struct pfx_range *out, size_t max);

/* Ranges of both families. */
size_t pset_total(const struct pset *s);

/* Number of addresses of a family (2^128 does not fit: a full IPv6 set
 * saturates at 2^128 - 1, which no policy lets through anyway).  The
 * counts of a merged set are remembered until its content changes. */
u128 pset_addr_count(const struct pset *s, enum pfx_family fam);

/* The prefix length of the smallest block as large as the set's largest
 * range of a family (a range is as broad as the block that could hold
 * its addresses, aligned or not); the family's width when it has none.
 * Worked out with the counts, in the same pass, and remembered with them. */
int pset_broadest_len(const struct pset *s, enum pfx_family fam);

/* A value of PSET_TAG_SIZE bytes a caller derived from a merged set's
 * content (state keeps its digest here), remembered with the set and
 * its copies until the content changes.  get: false when none. */
#define PSET_TAG_SIZE 32
void pset_tag_put(const struct pset *s, const unsigned char tag[PSET_TAG_SIZE]);
bool pset_tag_get(const struct pset *s, unsigned char tag[PSET_TAG_SIZE]);

/* Number of CIDRs in the minimal cover of a family. */
size_t pset_cidr_count(const struct pset *s, enum pfx_family fam);

bool pset_contains(const struct pset *s, enum pfx_family fam, u128 addr);
/* Whether one range of s holds all of [lo, hi] (s merged). */
bool pset_contains_range(const struct pset *s, enum pfx_family fam, u128 lo, u128 hi);

/* An address count in decimal with thousands separators
 * ("8,399,872"); buf of PSET_COUNT_TEXT bytes, returned. */
#define PSET_COUNT_TEXT 56
char *pset_format_count(u128 n, char *buf);
bool pset_equal(const struct pset *a, const struct pset *b);

/* s -= minus, in place.  -1 on ENOMEM. */
int pset_subtract(struct pset *s, const struct pset *minus);

/* What turns `from` into `to` (both merged): added = to - from,
 * removed = from - to.  Either output may be NULL. */
int pset_diff(const struct pset *from, const struct pset *to, struct pset *added,
	      struct pset *removed);

/* Visit the minimal CIDR cover of one family, in address order.  A
 * callback returning non-zero stops the walk and is returned. */
typedef int (*pset_cidr_fn)(void *ctx, enum pfx_family fam, u128 addr, int len);
int pset_each_cidr(const struct pset *s, enum pfx_family fam, pset_cidr_fn fn, void *ctx);

/* The minimal CIDR cover of one range, visited in order. */
int pfx_range_each_cidr(enum pfx_family fam, const struct pfx_range *r, pset_cidr_fn fn,
			void *ctx);

#endif
