/* triage — group a log's rejected clients by what would cover them
 * (see triage.h). */
#include "triage.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Open addressing, linear probing, kept at most half full: slots hold
 * index + 1 into the entry arrays (0 = empty). */
struct table {
	uint32_t *slots;
	size_t mask; /* slots - 1, a power of two minus one */
};

struct triage {
	struct triage_addr *addrs;
	size_t n_addrs, cap_addrs;
	struct table addr_tab;
	char **domains;
	size_t n_domains, cap_domains;
	struct table dom_tab;
};

static uint64_t
mix(uint64_t h)
{
	/* splitmix64's finaliser */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static uint64_t
addr_hash(enum pfx_family fam, u128 a)
{
	return mix((uint64_t)a ^ mix((uint64_t)(a >> 64) ^ (uint64_t)fam));
}

static uint64_t
str_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return mix(h);
}

static int
table_init(struct table *tb)
{
	tb->mask = 1023;
	tb->slots = calloc(tb->mask + 1, sizeof *tb->slots);
	return tb->slots ? 0 : -1;
}

/* Double the table; hash_of(ctx, index) re-hashes entry `index`. */
static int
table_grow(struct table *tb, uint64_t (*hash_of)(const struct triage *, size_t),
	   const struct triage *t)
{
	size_t mask = tb->mask * 2 + 1;
	uint32_t *slots = calloc(mask + 1, sizeof *slots);

	if (!slots)
		return -1;
	for (size_t i = 0; i <= tb->mask; i++) {
		if (!tb->slots[i])
			continue;
		size_t j = hash_of(t, tb->slots[i] - 1) & mask;
		while (slots[j])
			j = (j + 1) & mask;
		slots[j] = tb->slots[i];
	}
	free(tb->slots);
	tb->slots = slots;
	tb->mask = mask;
	return 0;
}

static uint64_t
addr_hash_of(const struct triage *t, size_t i)
{
	return addr_hash(t->addrs[i].fam, t->addrs[i].addr);
}

static uint64_t
dom_hash_of(const struct triage *t, size_t i)
{
	return str_hash(t->domains[i], strlen(t->domains[i]));
}

static int
grow_array(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 256;
	void *p = realloc(*arr, ncap * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct triage *
triage_new(void)
{
	struct triage *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	if (table_init(&t->addr_tab) < 0 || table_init(&t->dom_tab) < 0) {
		triage_free(t);
		return NULL;
	}
	return t;
}

void
triage_free(struct triage *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_domains; i++)
		free(t->domains[i]);
	free(t->domains);
	free(t->dom_tab.slots);
	free(t->addrs);
	free(t->addr_tab.slots);
	free(t);
}

/* The entry of an address, created on first sight; NULL on ENOMEM. */
static struct triage_addr *
addr_entry(struct triage *t, enum pfx_family fam, u128 a)
{
	size_t j = addr_hash(fam, a) & t->addr_tab.mask;

	for (; t->addr_tab.slots[j]; j = (j + 1) & t->addr_tab.mask) {
		struct triage_addr *e = &t->addrs[t->addr_tab.slots[j] - 1];
		if (e->addr == a && e->fam == fam)
			return e;
	}
	if (grow_array((void **)&t->addrs, &t->cap_addrs, t->n_addrs, sizeof *t->addrs) < 0)
		return NULL;
	struct triage_addr *e = &t->addrs[t->n_addrs];
	memset(e, 0, sizeof *e);
	e->fam = fam;
	e->addr = a;
	e->first = e->last = MAILLOG_NO_TIME;
	t->addr_tab.slots[j] = (uint32_t)++t->n_addrs;
	if (t->n_addrs * 2 > t->addr_tab.mask && table_grow(&t->addr_tab, addr_hash_of, t) < 0)
		return NULL;
	return e;
}

/* The id of a domain (compared without case); -1 on ENOMEM. */
static long
domain_id(struct triage *t, const char *d, size_t n)
{
	char low[256];

	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)d[i]);
	low[n] = 0;
	size_t j = str_hash(low, n) & t->dom_tab.mask;
	for (; t->dom_tab.slots[j]; j = (j + 1) & t->dom_tab.mask) {
		uint32_t id = t->dom_tab.slots[j] - 1;
		if (strcmp(t->domains[id], low) == 0)
			return id;
	}
	if (grow_array((void **)&t->domains, &t->cap_domains, t->n_domains, sizeof *t->domains) < 0 ||
	    !(t->domains[t->n_domains] = strdup(low)))
		return -1;
	t->dom_tab.slots[j] = (uint32_t)++t->n_domains;
	if (t->n_domains * 2 > t->dom_tab.mask && table_grow(&t->dom_tab, dom_hash_of, t) < 0)
		return -1;
	return (long)t->n_domains - 1;
}

static void
add_domain(struct triage_addr *e, uint32_t id)
{
	for (unsigned i = 0; i < e->n_domains; i++)
		if (e->domain_ids[i] == id) {
			e->domain_counts[i]++;
			return;
		}
	if (e->n_domains == TRIAGE_DOMAINS_PER_ADDR) {
		e->more_domains++;
		return;
	}
	e->domain_ids[e->n_domains] = id;
	e->domain_counts[e->n_domains++] = 1;
}

static void
widen(int64_t *first, int64_t *last, int64_t a, int64_t b)
{
	if (a != MAILLOG_NO_TIME && (*first == MAILLOG_NO_TIME || a < *first))
		*first = a;
	if (b != MAILLOG_NO_TIME && (*last == MAILLOG_NO_TIME || b > *last))
		*last = b;
}

int
triage_add(void *ctx, const struct maillog_rec *rec)
{
	struct triage *t = ctx;
	struct triage_addr *e = addr_entry(t, rec->fam, rec->addr);

	if (!e)
		return -1;
	e->rejections++;
	e->reasons[rec->reason < MAILLOG_N_REASONS ? rec->reason : MAILLOG_OTHER]++;
	widen(&e->first, &e->last, rec->when, rec->when);
	/* A domain name is at most 253 characters: longer is not one. */
	if (rec->domain && rec->domain_len && rec->domain_len < 254) {
		long id = domain_id(t, rec->domain, rec->domain_len);
		if (id < 0)
			return -1;
		add_domain(e, (uint32_t)id);
	}
	return 0;
}

size_t
triage_count(const struct triage *t)
{
	return t->n_addrs;
}

const struct triage_addr *
triage_get(const struct triage *t, size_t i)
{
	return &t->addrs[i];
}

const char *
triage_domain(const struct triage *t, uint32_t id)
{
	return id < t->n_domains ? t->domains[id] : "?";
}

/* ---------------------------------------------------------------- groups */

/* What qsort_r's comparator of addresses sees. */
struct sort_ctx {
	const struct triage *t;
};

static int
cmp_addr_idx(const void *a, const void *b, void *ctx)
{
	const struct triage *t = ((const struct sort_ctx *)ctx)->t;
	const struct triage_addr *x = &t->addrs[*(const size_t *)a], *y = &t->addrs[*(const size_t *)b];

	if (x->rejections != y->rejections)
		return x->rejections > y->rejections ? -1 : 1;
	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int
cmp_domain_id(const void *a, const void *b)
{
	const struct triage_domain_count *x = a, *y = b;

	/* While merging, `domain` holds the id cast to a pointer's width. */
	return (uintptr_t)x->domain < (uintptr_t)y->domain ? -1 : (uintptr_t)x->domain > (uintptr_t)y->domain;
}

static int
cmp_domain_count(const void *a, const void *b)
{
	const struct triage_domain_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->domain, y->domain);
}

/* The group's domains: every (id, count) of its addresses, summed per id. */
static int
group_domains(const struct triage *t, struct triage_group *g)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n_addrs; i++)
		n += t->addrs[g->addrs[i]].n_domains;
	if (!n)
		return 0;
	if (!(g->domains = malloc(n * sizeof *g->domains)))
		return -1;
	for (size_t i = 0; i < g->n_addrs; i++) {
		const struct triage_addr *e = &t->addrs[g->addrs[i]];
		for (unsigned j = 0; j < e->n_domains; j++)
			g->domains[g->n_domains++] = (struct triage_domain_count){
				.domain = (const char *)(uintptr_t)e->domain_ids[j],
				.count = e->domain_counts[j],
			};
	}
	qsort(g->domains, g->n_domains, sizeof *g->domains, cmp_domain_id);
	size_t w = 0;
	for (size_t r = 0; r < g->n_domains; r++) {
		if (w && g->domains[w - 1].domain == g->domains[r].domain)
			g->domains[w - 1].count += g->domains[r].count;
		else
			g->domains[w++] = g->domains[r];
	}
	g->n_domains = w;
	for (size_t i = 0; i < w; i++)
		g->domains[i].domain = triage_domain(t, (uint32_t)(uintptr_t)g->domains[i].domain);
	qsort(g->domains, g->n_domains, sizeof *g->domains, cmp_domain_count);
	return 0;
}

int
triage_group(const struct triage *t, const struct triage_cover *covers, size_t n,
	     struct triage_group **groups)
{
	struct triage_group *g = calloc(n + 1, sizeof *g);
	size_t *which = malloc((t->n_addrs ? t->n_addrs : 1) * sizeof *which);
	struct sort_ctx sc = {t};

	if (!g || !which)
		goto nomem;
	for (size_t k = 0; k <= n; k++) {
		g[k].cover = k < n ? &covers[k] : NULL;
		g[k].first = g[k].last = MAILLOG_NO_TIME;
	}
	for (size_t i = 0; i < t->n_addrs; i++) {
		const struct triage_addr *e = &t->addrs[i];
		size_t k = 0;
		while (k < n && !(covers[k].set && pset_contains(covers[k].set, e->fam, e->addr)))
			k++;
		which[i] = k;
		g[k].n_addrs++;
	}
	for (size_t k = 0; k <= n; k++) {
		if (g[k].n_addrs && !(g[k].addrs = malloc(g[k].n_addrs * sizeof *g[k].addrs)))
			goto nomem;
		g[k].n_addrs = 0;
	}
	for (size_t i = 0; i < t->n_addrs; i++) {
		const struct triage_addr *e = &t->addrs[i];
		struct triage_group *gk = &g[which[i]];
		gk->addrs[gk->n_addrs++] = i;
		gk->rejections += e->rejections;
		gk->more_domains += e->more_domains;
		widen(&gk->first, &gk->last, e->first, e->last);
		for (int r = 0; r < MAILLOG_N_REASONS; r++)
			gk->reasons[r] += e->reasons[r];
	}
	for (size_t k = 0; k <= n; k++) {
		if (g[k].n_addrs)
			qsort_r(g[k].addrs, g[k].n_addrs, sizeof *g[k].addrs, cmp_addr_idx, &sc);
		if (group_domains(t, &g[k]) < 0)
			goto nomem;
	}
	free(which);
	*groups = g;
	return 0;
nomem:
	free(which);
	triage_groups_free(g, n + 1);
	return -1;
}

void
triage_groups_free(struct triage_group *g, size_t n)
{
	if (!g)
		return;
	for (size_t k = 0; k < n; k++) {
		free(g[k].domains);
		free(g[k].addrs);
	}
	free(g);
}
