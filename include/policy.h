/* policy — what a source may contribute, and how much an output may lose.
 *
 * A source's entries are checked one by one as published (before
 * merging, so that many small prefixes cannot hide a broad one and a
 * broad one cannot hide behind its neighbours): broader than the hard
 * floor (/8, /16) or than min_prefix4/6, or touching an IANA
 * special-purpose range without allow_special — one such entry refuses
 * the whole source.  Then, merged: more than max_entries CIDRs, or empty
 * without allow_empty, refuses it too; and what the merged set grants
 * (policy_grant): a merged range whose CIDR cover holds a prefix broader
 * than the floors, or more addresses of a family than max_addresses4/6.
 * An output's union of sources is held to its own address caps. */
#ifndef ALLOWSYNC_POLICY_H
#define ALLOWSYNC_POLICY_H

#include "err.h"
#include "pset.h"
#include "source.h"

#include <stdbool.h>
#include <stddef.h>

/* What a merged set may grant: the floors (with the hard floors; 0 =
 * none, for an output's union: different publishers' adjacent blocks
 * merge into broad ranges no one of them granted) and the address caps
 * of each family. */
struct policy_grant {
	int min_prefix4;
	int min_prefix6;
	u128 max_addresses4;
	u128 max_addresses6;
};

/* Does `merged` grant no more than g allows?  parts: the entries it was
 * merged from (counted in the message: "1024 entries merge into
 * 128.0.0.0/3, broader than min_prefix4 = 12"); n_parts may be 0.
 * 0, or -1 with err. */
int policy_grant(const struct policy_grant *g, const struct pset *merged,
		 const struct pset *const *parts, size_t n_parts, struct err *err);

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

/* Growth guard, the shrink guard's twin: would `want` grant more than
 * `factor` times the addresses of a family, or of the entries, that
 * `live` grants?  A family (or an output) with nothing live has no
 * baseline: the caps of policy_grant hold it instead.  factor 0 = no
 * limit.  0 = within; 1 = over it, with err giving the figures. */
int policy_growth(const struct pset *live, const struct pset *want, unsigned factor,
		  struct err *err);

#endif
