/* policy — what a source may contribute, and how much an output may lose.
 *
 * A source's entries are checked one by one as published (before
 * merging, so that many small prefixes cannot hide a broad one and a
 * broad one cannot hide behind its neighbours): broader than the hard
 * floor (/8, /16) or than min_prefix4/6, or touching an IANA
 * special-purpose range without allow_special — one such entry refuses
 * the whole source.  Then, merged: more than max_entries CIDRs, or empty
 * without allow_empty, refuses it too. */
#ifndef ALLOWSYNC_POLICY_H
#define ALLOWSYNC_POLICY_H

#include "err.h"
#include "pset.h"
#include "source.h"

#include <stdbool.h>
#include <stddef.h>

/* Check the entries of `set` as collected, then merge it in place.
 * 0, or -1 with err ("10.0.0.0/8 is private-use (RFC 1918) …"). */
int policy_check(const struct source_limits *l, struct pset *set, struct err *err);

/* The special-purpose range that [lo,hi] overlaps: its description
 * ("private-use (RFC 1918)") and, if cidr is not NULL, *cidr
 * ("10.0.0.0/8"); NULL when none. */
const char *policy_special(enum pfx_family fam, u128 lo, u128 hi, const char **cidr);

/* For tests: size of the special-purpose table, and whether entry i
 * parses as the family it claims. */
size_t policy_special_count(void);
bool policy_special_valid(size_t i);

/* Shrink guard: would replacing `live` by `want` (both merged), which
 * removes `removed` (live - want, computed once by the caller, who also
 * reports it), lose more than max_pct percent of the entries (CIDRs) or
 * of the addresses of a family?  0 = within the limit; 1 = over it, with
 * err saying by how much. */
int policy_shrink(const struct pset *live, const struct pset *want, const struct pset *removed,
		  unsigned max_pct, struct err *err);

#endif
