/* policy — floors, special-purpose ranges, entry counts, shrink guard. */
#include "policy.h"

#include "conf.h"
#include "plural.h"

#include <stdio.h>
#include <string.h>

struct special {
	enum pfx_family fam;
	const char *cidr;
	const char *what;
};

/* IANA IPv4 and IPv6 Special-Purpose Address Registries (as of 2025),
 * plus multicast, the reserved class E and deprecated IPv6 blocks.  None
 * of them is where a relay sends mail from. */
static const struct special specials[] = {
	{PFX_V4, "0.0.0.0/8", "\"this network\" (RFC 791)"},
	{PFX_V4, "10.0.0.0/8", "private-use (RFC 1918)"},
	{PFX_V4, "100.64.0.0/10", "shared address space / CGN (RFC 6598)"},
	{PFX_V4, "127.0.0.0/8", "loopback (RFC 1122)"},
	{PFX_V4, "169.254.0.0/16", "link-local (RFC 3927)"},
	{PFX_V4, "172.16.0.0/12", "private-use (RFC 1918)"},
	{PFX_V4, "192.0.0.0/24", "IETF protocol assignments (RFC 6890)"},
	{PFX_V4, "192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"},
	{PFX_V4, "192.31.196.0/24", "AS112-v4 (RFC 7535)"},
	{PFX_V4, "192.52.193.0/24", "AMT (RFC 7450)"},
	{PFX_V4, "192.88.99.0/24", "6to4 relay anycast (RFC 7526)"},
	{PFX_V4, "192.168.0.0/16", "private-use (RFC 1918)"},
	{PFX_V4, "192.175.48.0/24", "direct delegation AS112 (RFC 7534)"},
	{PFX_V4, "198.18.0.0/15", "benchmarking (RFC 2544)"},
	{PFX_V4, "198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"},
	{PFX_V4, "203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"},
	{PFX_V4, "224.0.0.0/4", "multicast (RFC 5771)"},
	{PFX_V4, "240.0.0.0/4", "reserved / broadcast (RFC 1112, RFC 919)"},
	{PFX_V6, "::/96", "unspecified, loopback, IPv4-compatible (RFC 4291)"},
	/* ::ffff:0:0/96 (IPv4-mapped) needs no entry: pfx turns mapped input
	 * into IPv4, which is checked as such. */
	{PFX_V6, "64:ff9b::/96", "NAT64 well-known prefix, wraps IPv4 (RFC 6052)"},
	{PFX_V6, "64:ff9b:1::/48", "local-use NAT64, wraps IPv4 (RFC 8215)"},
	{PFX_V6, "100::/64", "discard-only (RFC 6666)"},
	{PFX_V6, "100:0:0:1::/64", "dummy prefix (RFC 9780)"},
	{PFX_V6, "2001::/32", "Teredo, wraps IPv4 (RFC 4380)"},
	{PFX_V6, "2001::/23", "IETF protocol assignments (RFC 2928)"},
	{PFX_V6, "2001:db8::/32", "documentation (RFC 3849)"},
	{PFX_V6, "2002::/16", "6to4, wraps IPv4 (RFC 3056)"},
	{PFX_V6, "2620:4f:8000::/48", "direct delegation AS112 (RFC 7534)"},
	{PFX_V6, "3fff::/20", "documentation (RFC 9637)"},
	{PFX_V6, "5f00::/16", "segment routing SIDs (RFC 9602)"},
	{PFX_V6, "fc00::/7", "unique local (RFC 4193)"},
	{PFX_V6, "fe80::/10", "link-local (RFC 4291)"},
	{PFX_V6, "fec0::/10", "site-local, deprecated (RFC 3879)"},
	{PFX_V6, "ff00::/8", "multicast (RFC 4291)"},
};

#define N_SPECIALS (sizeof specials / sizeof specials[0])

/* The table parsed, plus the union of its ranges per family (sorted,
 * merged) so that an entry far from every special range — nearly all
 * of them — is cleared by one binary search instead of a table scan. */
struct special_tab {
	struct pfx p[N_SPECIALS];
	struct pfx_range u[2][N_SPECIALS];
	size_t nu[2];
	/* IPv4 /8s no special range touches (most of them): an entry
	 * inside one is cleared by a lookup, before the search. */
	bool clear8[256];
};

static void
union_add(struct pfx_range *u, size_t *n, struct pfx_range r)
{
	size_t i = *n;
	while (i > 0 && u[i - 1].lo > r.lo) { /* insertion sort: a few dozen entries */
		u[i] = u[i - 1];
		i--;
	}
	u[i] = r;
	(*n)++;
}

static void
union_merge(struct pfx_range *u, size_t *n)
{
	size_t w = 0;
	for (size_t i = 0; i < *n; i++) {
		if (w > 0 && u[i].lo <= u[w - 1].hi) {
			if (u[i].hi > u[w - 1].hi)
				u[w - 1].hi = u[i].hi;
		} else {
			u[w++] = u[i];
		}
	}
	*n = w;
}

static void
special_tab_init(struct special_tab *t)
{
	t->nu[0] = t->nu[1] = 0;
	for (size_t i = 0; i < N_SPECIALS; i++) {
		struct err err;
		if (!pfx_parse(specials[i].cidr, strlen(specials[i].cidr), &t->p[i], &err) ||
		    t->p[i].fam != specials[i].fam) {
			t->p[i].fam = 0; /* cannot happen: test_policy checks the table */
			continue;
		}
		int k = t->p[i].fam == PFX_V4 ? 0 : 1;
		union_add(t->u[k], &t->nu[k], t->p[i].r);
	}
	union_merge(t->u[0], &t->nu[0]);
	union_merge(t->u[1], &t->nu[1]);
	for (size_t i = 0; i < 256; i++)
		t->clear8[i] = true;
	for (size_t i = 0; i < t->nu[0]; i++)
		for (size_t o = (size_t)(t->u[0][i].lo >> 24); o <= (size_t)(t->u[0][i].hi >> 24); o++)
			t->clear8[o] = false;
}

static inline bool
touches_union(const struct special_tab *t, enum pfx_family fam, u128 lo, u128 hi)
{
	const struct pfx_range *u = t->u[fam == PFX_V4 ? 0 : 1];
	size_t a = 0, b = t->nu[fam == PFX_V4 ? 0 : 1];

	/* In 32 bits: 128-bit shifts were most of the cost of this test. */
	if (fam == PFX_V4 && (uint32_t)lo >> 24 == (uint32_t)hi >> 24 &&
	    t->clear8[(uint32_t)lo >> 24])
		return false;

	while (a < b) { /* the first union range ending at or after lo */
		size_t mid = a + (b - a) / 2;
		if (u[mid].hi < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a < t->nu[fam == PFX_V4 ? 0 : 1] && u[a].lo <= hi;
}

static const struct special *
special_find(const struct special_tab *t, enum pfx_family fam, u128 lo, u128 hi)
{
	if (!touches_union(t, fam, lo, hi))
		return NULL;
	for (size_t i = 0; i < N_SPECIALS; i++)
		if (t->p[i].fam == fam && lo <= t->p[i].r.hi && t->p[i].r.lo <= hi)
			return &specials[i];
	return NULL;
}

size_t
policy_special_count(void)
{
	return N_SPECIALS;
}

bool
policy_special_valid(size_t i)
{
	struct special_tab t;

	special_tab_init(&t);
	return i < N_SPECIALS && t.p[i].fam == specials[i].fam && t.p[i].len >= 0;
}

const char *
policy_special(enum pfx_family fam, u128 lo, u128 hi, const char **cidr)
{
	struct special_tab t;
	const struct special *sp;

	special_tab_init(&t);
	if (!(sp = special_find(&t, fam, lo, hi)))
		return NULL;
	if (cidr)
		*cidr = sp->cidr;
	return sp->what;
}

/* The longest prefix length whose block is at least as large as the
 * range: a range is as broad as the smallest CIDR that could hold its
 * number of addresses (an unaligned range gets no discount). */
static int
breadth(enum pfx_family fam, const struct pfx_range *r)
{
	u128 span = r->hi - r->lo;
	uint64_t high = (uint64_t)(span >> 64), low = (uint64_t)span;
	int bits = high ? 128 - __builtin_clzll(high) : low ? 64 - __builtin_clzll(low) : 0;

	return pfx_bits(fam) - bits;
}

static void
entry_text(enum pfx_family fam, const struct pfx_range *r, char *buf)
{
	int len = pfx_range_cidr_len(fam, r);

	if (len >= 0)
		pfx_format_cidr(fam, r->lo, len, buf);
	else
		pfx_format_range(fam, r, buf);
}

static int
check_entry(const struct source_limits *l, const struct special_tab *t, enum pfx_family fam,
	    const struct pfx_range *r, struct err *err)
{
	char text[PFX_TEXT_MAX];
	/* A CIDR's breadth is its prefix length: no need to ask which. */
	int len = breadth(fam, r);
	int hard = fam == PFX_V4 ? CONF_HARD_FLOOR4 : CONF_HARD_FLOOR6;
	int min = fam == PFX_V4 ? l->min_prefix4 : l->min_prefix6;
	const struct special *sp;

	if (len < min) {
		entry_text(fam, r, text);
		if (len == 0)
			err_set(err, "%s is the whole address space", text);
		else if (len < hard)
			err_set(err, "%s is broader than the hard floor /%d (as wide as a /%d)",
				text, hard, len);
		else
			err_set(err, "%s is broader than min_prefix%d = %d (as wide as a /%d)",
				text, fam == PFX_V4 ? 4 : 6, min, len);
		return -1;
	}
	/* The union first, inline: nearly every entry is far from them all. */
	if (!l->allow_special && touches_union(t, fam, r->lo, r->hi) &&
	    (sp = special_find(t, fam, r->lo, r->hi))) {
		entry_text(fam, r, text);
		err_set(err, "%s touches %s %s (special-purpose; allow_special = yes to accept)",
			text, sp->cidr, sp->what);
		return -1;
	}
	return 0;
}

/* The broadest CIDR of a range's minimal cover. */
struct broadest {
	u128 addr;
	int len;
};

static int
note_broadest(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	struct broadest *b = ctx;

	(void)fam;
	if (b->len < 0 || len < b->len) {
		b->addr = addr;
		b->len = len;
	}
	return 0;
}

/* How many entries of the parts lie within r. */
static size_t
entries_within(const struct pset *const *parts, size_t n_parts, enum pfx_family fam,
	       const struct pfx_range *r)
{
	size_t n = 0;

	for (size_t j = 0; j < n_parts; j++)
		for (size_t i = 0, c = pset_count(parts[j], fam); i < c; i++) {
			struct pfx_range e = pset_get(parts[j], fam, i);
			n += e.lo >= r->lo && e.hi <= r->hi;
		}
	return n;
}

static int
grant_floor(const struct policy_grant *g, const struct pset *merged,
	    const struct pset *const *parts, size_t n_parts, enum pfx_family fam,
	    struct err *err)
{
	int v = fam == PFX_V4 ? 4 : 6;
	int hard = fam == PFX_V4 ? CONF_HARD_FLOOR4 : CONF_HARD_FLOOR6;
	int min = fam == PFX_V4 ? g->min_prefix4 : g->min_prefix6;
	char text[PFX_TEXT_MAX], cidr[PFX_TEXT_MAX], into[2 * PFX_TEXT_MAX + 32], floor[48];

	/* The floor a message names: min_prefix when it is the stricter,
	 * else the hard floor. */
	bool hard_only = min <= hard;

	if (min <= 0)
		return 0;

	if (min < hard)
		min = hard;
	/* No range as broad as the floor (the usual case): no walk.  The
	 * set remembers its broadest range with its counts. */
	if (pset_broadest_len(merged, fam) >= min)
		return 0;
	for (size_t i = 0, n = pset_count(merged, fam); i < n; i++) {
		struct pfx_range r = pset_get(merged, fam, i);
		struct broadest b = {0, -1};

		/* Cheap first: a range narrower than the floor's block holds
		 * no CIDR as broad as the floor. */
		if (breadth(fam, &r) >= min)
			continue;
		pfx_range_each_cidr(fam, &r, note_broadest, &b);
		if (b.len < 0 || b.len >= min)
			continue;
		pfx_format_cidr(fam, b.addr, b.len, cidr);
		if (pfx_range_cidr_len(fam, &r) == b.len) {
			snprintf(into, sizeof into, "%s", cidr);
		} else {
			pfx_format_range(fam, &r, text);
			snprintf(into, sizeof into, "%s (its cover holds %s)", text, cidr);
		}
		if (hard_only)
			snprintf(floor, sizeof floor, "the hard floor /%d", hard);
		else
			snprintf(floor, sizeof floor, "min_prefix%d = %d", v, min);
		if (n_parts) {
			size_t within = entries_within(parts, n_parts, fam, &r);
			return err_set(err, "%zu %s into %s, broader than %s", within,
				       plural(within, "entry merges", "entries merge"), into,
				       floor);
		}
		return err_set(err, "entries merge into %s, broader than %s", into, floor);
	}
	return 0;
}

int
policy_grant(const struct policy_grant *g, const struct pset *merged,
	     const struct pset *const *parts, size_t n_parts, struct err *err)
{
	static const enum pfx_family fams[] = {PFX_V4, PFX_V6};
	char have[PSET_COUNT_TEXT], max[PSET_COUNT_TEXT];

	for (int k = 0; k < 2; k++)
		if (grant_floor(g, merged, parts, n_parts, fams[k], err) < 0)
			return -1;
	for (int k = 0; k < 2; k++) {
		u128 n = pset_addr_count(merged, fams[k]);
		u128 cap = fams[k] == PFX_V4 ? g->max_addresses4 : g->max_addresses6;
		int v = fams[k] == PFX_V4 ? 4 : 6;
		if (n > cap)
			return err_set(err, "grants %s IPv%d addresses, more than max_addresses%d = %s",
				       pset_format_count(n, have), v, v, pset_format_count(cap, max));
	}
	return 0;
}

int
policy_check(const struct source_limits *l, struct pset *set, struct err *err)
{
	static const enum pfx_family fams[] = {PFX_V4, PFX_V6};
	const struct policy_grant g = {
		.min_prefix4 = l->min_prefix4,
		.min_prefix6 = l->min_prefix6,
		.max_addresses4 = l->max_addresses4,
		.max_addresses6 = l->max_addresses6,
	};
	struct special_tab t;
	struct pset *orig = NULL;
	int rc = -1;

	special_tab_init(&t);
	/* The set as collected still holds the entries as published. */
	for (int k = 0; k < 2; k++) {
		struct pfx_range batch[256];
		size_t got;
		for (size_t i = 0; (got = pset_get_many(set, fams[k], i, batch, 256)) > 0; i += got)
			for (size_t j = 0; j < got; j++)
				if (check_entry(l, &t, fams[k], &batch[j], err) < 0)
					return -1;
	}
	/* The entries as published, to say how many merged into a range
	 * too broad (a stored copy is merged already: its ranges are its
	 * entries). */
	if (!pset_is_merged(set) && !(orig = pset_dup(set)))
		return err_set(err, "out of memory");
	if (pset_merge(set) < 0) {
		err_set(err, "out of memory");
		goto out;
	}
	size_t cidrs = pset_cidr_count(set, PFX_V4) + pset_cidr_count(set, PFX_V6);
	if (cidrs > l->max_entries) {
		err_set(err, "%zu %s, more than max_entries = %llu", cidrs, ENTRIES(cidrs),
			(unsigned long long)l->max_entries);
		goto out;
	}
	if (cidrs == 0 && !l->allow_empty) {
		err_set(err, "empty list (allow_empty = yes to accept)");
		goto out;
	}
	const struct pset *parts[1] = {orig ? orig : set};
	if (policy_grant(&g, set, parts, 1, err) < 0)
		goto out;
	rc = 0;
out:
	pset_free(orig);
	return rc;
}

/* Live entries (CIDRs) that want no longer grants whole. */
struct lost {
	const struct pset *want;
	size_t n;
};

static int
count_lost(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	struct lost *l = ctx;
	u128 size_m1 = len == 0 ? ~(u128)0 >> (128 - pfx_bits(fam))
				: (((u128)1 << (pfx_bits(fam) - len)) - 1);

	l->n += !pset_contains_range(l->want, fam, addr, addr + size_m1);
	return 0;
}

int
policy_shrink(const struct pset *live, const struct pset *want, const struct pset *removed,
	      unsigned max_pct, struct err *err)
{
	static const enum pfx_family fams[] = {PFX_V4, PFX_V6};
	size_t live_n = pset_cidr_count(live, PFX_V4) + pset_cidr_count(live, PFX_V6);
	size_t want_n = pset_cidr_count(want, PFX_V4) + pset_cidr_count(want, PFX_V6);
	struct lost lost = {want, 0};
	char a[PSET_COUNT_TEXT], b[PSET_COUNT_TEXT];

	if (live_n == 0 || max_pct >= 100)
		return 0;
	/* An entry is lost when what it granted is no longer granted whole:
	 * entries that merge into a broader one are not lost (fewer
	 * entries, more addresses: that is growth, not shrinking). */
	for (int k = 0; k < 2; k++)
		pset_each_cidr(live, fams[k], count_lost, &lost);
	if ((long double)lost.n * 100 > (long double)live_n * max_pct) {
		long double pct = (long double)lost.n * 100 / live_n;
		if (want_n < live_n)
			err_set(err, "would shrink from %zu to %zu %s (-%.0Lf%%, max_shrink = %u%%)",
				live_n, want_n, ENTRIES(want_n), pct, max_pct);
		else
			err_set(err, "would lose %zu of its %zu %s (-%.0Lf%%, max_shrink = %u%%)",
				lost.n, live_n, ENTRIES(live_n), pct, max_pct);
		return 1;
	}
	for (int k = 0; k < 2; k++) {
		u128 all = pset_addr_count(live, fams[k]);
		u128 gone = pset_addr_count(removed, fams[k]);
		if (all > 0 && (long double)gone * 100 > (long double)all * max_pct) {
			err_set(err,
				"would drop %s of the %s IPv%d addresses (-%.0Lf%%, max_shrink = %u%%)",
				pset_format_count(gone, a), pset_format_count(all, b),
				fams[k] == PFX_V4 ? 4 : 6, (long double)gone * 100 / (long double)all,
				max_pct);
			return 1;
		}
	}
	return 0;
}

int
policy_growth(const struct pset *live, const struct pset *want, unsigned factor,
	      struct err *err)
{
	static const enum pfx_family fams[] = {PFX_V4, PFX_V6};
	size_t live_n = pset_cidr_count(live, PFX_V4) + pset_cidr_count(live, PFX_V6);
	size_t want_n = pset_cidr_count(want, PFX_V4) + pset_cidr_count(want, PFX_V6);
	char a[PSET_COUNT_TEXT], b[PSET_COUNT_TEXT];

	if (factor == 0)
		return 0;
	for (int k = 0; k < 2; k++) {
		u128 was = pset_addr_count(live, fams[k]), will = pset_addr_count(want, fams[k]);
		/* was * factor overflowing: nothing can exceed it */
		if (was == 0 || was > ~(u128)0 / factor || will <= was * factor)
			continue;
		err_set(err, "would grow from %s to %s IPv%d addresses (more than max_growth %ux)",
			pset_format_count(was, a), pset_format_count(will, b),
			fams[k] == PFX_V4 ? 4 : 6, factor);
		return 1;
	}
	if (live_n > 0 && (long double)want_n > (long double)live_n * factor) {
		err_set(err, "would grow from %zu to %zu entries (more than max_growth %ux)", live_n,
			want_n, factor);
		return 1;
	}
	return 0;
}
