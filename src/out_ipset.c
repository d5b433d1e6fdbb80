/* out_ipset — the `ipset` output: hash:net sets (set4 family inet, set6
 * family inet6) kept in step through libipset.
 *
 * IP sets have no transactions and no generation counter, so the
 * nftables output's guarantees are rebuilt from what they do have:
 *  - The view.  The state file records the networks of our last commit
 *    with a fingerprint of each set's header (element count, memory
 *    size, hash seed, hash size, maxelem; the seed is random per created
 *    set).  While the fingerprint, the boot and the network namespace
 *    match and the record is younger than `verify`, the record is taken
 *    for what the kernel holds; otherwise the sets are dumped.  Adding
 *    or deleting an element by hand changes the count, a flush or a
 *    re-created set the count or the seed; what could slip through (a
 *    delete and an add that leave every figure equal) is caught by the
 *    dump at least every `verify`.
 *  - The plan: the wanted ranges' minimal CIDR cover against the live
 *    elements, split by the same delta as nftables intervals (identical
 *    CIDRs kept, every other live element deleted, every other wanted one
 *    added); hash:net elements may overlap, and a `nomatch` one is always
 *    deleted.
 *  - A small change is one batch of additions, then one of deletions
 *    (libipset packs each into page-sized messages).  Additions first:
 *    an address that stays allowed is never missing in between, and a
 *    run killed half-way leaves the old set plus some of the new, which
 *    the next run's view (the count moved) finishes.
 *  - A large change (more changed than kept, or more than maxelem would
 *    hold in between) fills a temporary set and swaps it with the live
 *    one — the rules that reference the set by name follow the swap —
 *    then destroys it.  A run killed before the swap leaves the old set
 *    and a temporary, which the next run destroys; a new set is filled
 *    the same way and renamed into place.
 * A plan that would leave a set empty is refused.
 */
#include "out_ipset.h"

#include "confkv.h"
#include "confval.h"
#include "log.h"
#include "nftstate.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

static const enum pfx_family fams[2] = { PFX_V4, PFX_V6 };

static const struct out_ipset_kernel ipsetnl_kernel = {
	.open = ipsetnl_open,
	.close = ipsetnl_close,
	.netns_cookie = ipsetnl_netns_cookie,
	.boot_id = nftstate_boot_id,
	.names = ipsetnl_names,
	.header = ipsetnl_header,
	.dump = ipsetnl_dump,
	.create = ipsetnl_create,
	.destroy = ipsetnl_destroy,
	.swap = ipsetnl_swap,
	.rename = ipsetnl_rename,
	.adt = ipsetnl_adt,
};

/* The record's `table`: marks a record as an ipset output's. */
#define RECORD_TABLE "ipset"
/* The default `verify`: how long a record may stand in for a dump. */
#define VERIFY_DEFAULT 3600

enum mode {
	M_NONE,  /* nothing to do */
	M_DELTA, /* add, then delete, in place */
	M_SWAP,  /* fill the temporary, swap, destroy it */
	M_NEW,   /* fill the temporary, rename it into place */
};

struct side {
	const char *set;       /* NULL: no set for this family */
	char tmp[IPSETNL_NAME_MAX + 1];
	bool exists;
	bool stray_tmp;        /* a temporary left by a killed run */
	struct ipsetnl_info info;
	struct nl_ranges live; /* the kernel's elements (dumped), or the record's cover */
	struct nl_ranges want; /* the wanted CIDRs */
	struct nl_ranges add;
	struct nl_ranges del;
	size_t keep;
	enum mode mode;
	uint32_t maxelem;      /* of the set M_SWAP / M_NEW creates */
	uint32_t hashsize;
};

struct ips {
	bool create;
	uint64_t verify;        /* seconds; 0 = dump every run */
	const struct out_ipset_kernel *k;
	char *target;
	char *state_path;
	struct ipsetnl *sock;
	bool viewed;
	bool from_state;        /* the view came from the record: */
	struct pset *recorded;  /* its ranges, both families */
	time_t verified;        /* when the record's content was last dumped */
	struct side side[2];
	const struct pset *want; /* prepare's; alive until after commit */
	bool record;            /* commit must (re)write the state file */
	double ms_view;
	double ms_plan;
};

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static const struct conf_key ipset_keys[] = {
	{ "set4", 0 }, { "set6", 0 }, { "create", 0 }, { "verify", 0 }, { NULL, 0 },
};

static const char *
fam_name(enum pfx_family fam)
{
	return fam == PFX_V4 ? "inet" : "inet6";
}

void
out_ipset_tmp_name(const char *set, char out[IPSETNL_NAME_MAX + 1])
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)set; *p; p++)
		h = (h ^ *p) * 16777619u;
	snprintf(out, IPSETNL_NAME_MAX + 1, "allowsync-%08x", h);
}

/* What `ipset restore` can name: 1..31 bytes, no blanks or controls. */
static bool
name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > IPSETNL_NAME_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static void
side_release(struct side *s)
{
	nl_ranges_release(&s->live);
	nl_ranges_release(&s->want);
	nl_ranges_release(&s->add);
	nl_ranges_release(&s->del);
}

static void
ips_reset(struct ips *n)
{
	for (int k = 0; k < 2; k++) {
		side_release(&n->side[k]);
		n->side[k].exists = false;
		n->side[k].stray_tmp = false;
		n->side[k].keep = 0;
		n->side[k].mode = M_NONE;
	}
	pset_free(n->recorded);
	n->recorded = NULL;
	n->from_state = false;
	n->viewed = false;
	n->record = false;
}

static int
ips_configure(struct output *o, const struct conf_section *sec, struct err *err)
{
	struct ips *n = calloc(1, sizeof(*n));
	size_t len;

	if (n == NULL) {
		conf_err_set(err, sec, NULL, "out of memory");
		return -1;
	}
	o->priv = n;
	n->k = &ipsetnl_kernel;
	n->verify = VERIFY_DEFAULT;
	for (int k = 0; k < 2; k++) {
		const char *key = k == 0 ? "set4" : "set6";
		struct side *s = &n->side[k];

		s->set = conf_get(sec, key);
		if (s->set && !name_valid(s->set)) {
			conf_err_set(err, sec, key,
				     "[output %s] %s = %s: not a valid ipset name (1 to %d characters, no blanks)",
				     o->name, key, s->set, IPSETNL_NAME_MAX);
			return -1;
		}
		if (s->set)
			out_ipset_tmp_name(s->set, s->tmp);
		nl_ranges_init(&s->live);
		nl_ranges_init(&s->want);
		nl_ranges_init(&s->add);
		nl_ranges_init(&s->del);
	}
	if (!n->side[0].set && !n->side[1].set) {
		conf_err_set(err, sec, NULL, "[output %s] needs set4, set6 or both", o->name);
		return -1;
	}
	if (n->side[0].set && n->side[1].set && strcmp(n->side[0].set, n->side[1].set) == 0) {
		conf_err_set(err, sec, "set6", "[output %s] set4 and set6 name the same set",
			     o->name);
		return -1;
	}
	for (int k = 0; k < 2; k++) {
		const struct side *s = &n->side[k];

		if (s->set && strncmp(s->set, "allowsync-", 10) == 0 && strlen(s->set) == 18) {
			conf_err_set(err, sec, k == 0 ? "set4" : "set6",
				     "[output %s] %s: names of that form are allowsync's temporary sets",
				     o->name, s->set);
			return -1;
		}
	}
	if (conf_get_bool(sec, "create", &n->create, err) < 0 ||
	    conf_get_duration(sec, "verify", &n->verify, err) < 0)
		return -1;
	len = 64 + (n->side[0].set ? strlen(n->side[0].set) : 0) +
	      (n->side[1].set ? strlen(n->side[1].set) : 0);
	n->target = malloc(len);
	if (n->target == NULL) {
		conf_err_set(err, sec, NULL, "out of memory");
		return -1;
	}
	snprintf(n->target, len, "ipset %s %s", n->side[0].set ? n->side[0].set : "-",
		 n->side[1].set ? n->side[1].set : "-");
	o->target = n->target;
	return 0;
}

static int
state_path(struct output *o, const struct output_ctx *ctx, struct err *err)
{
	struct ips *n = o->priv;
	size_t len;

	if (n->state_path)
		return 0;
	len = strlen(ctx->state_dir) + strlen(o->name) + 16;
	n->state_path = malloc(len);
	if (n->state_path == NULL)
		return err_set(err, "out of memory");
	snprintf(n->state_path, len, "%s/outputs/%s.ipset", ctx->state_dir, o->name);
	return 0;
}

/* A token of every header figure that moves when the sets change,
 * never 0 (the record's "unknown"). */
static uint32_t
fingerprint(const struct ips *n)
{
	uint32_t h = 2166136261u;

	for (int k = 0; k < 2; k++) {
		const struct side *s = &n->side[k];
		uint32_t v[6] = { s->exists, s->info.elements, s->info.memsize, s->info.initval,
				  s->info.hashsize, s->info.maxelem };

		for (size_t i = 0; i < sizeof(v); i++)
			h = (h ^ ((const unsigned char *)v)[i]) * 16777619u;
	}
	return h ? h : 1;
}

static bool
state_matches(const struct ips *n, const struct nftstate *st)
{
	char boot[40];
	uint64_t cookie = n->k->netns_cookie();

	n->k->boot_id(boot);
	if (st->gen == 0 || st->gen != fingerprint(n) || cookie == 0 || st->netns != cookie)
		return false;
	if (boot[0] == '\0' || strcmp(boot, st->boot) != 0 || strcmp(st->table, RECORD_TABLE) != 0)
		return false;
	for (int k = 0; k < 2; k++)
		if (strcmp(st->set[k], n->side[k].set ? n->side[k].set : "") != 0)
			return false;
	return true;
}

static int
check_set(const struct side *s, enum pfx_family fam, struct err *err)
{
	const struct ipsetnl_info *i = &s->info;

	if (strcmp(i->type, "hash:net") != 0) {
		err_set(err, "set %s is %s, not hash:net%s", s->set, i->type,
			strncmp(i->type, "hash:ip", 7) == 0 && i->type[7] == '\0'
				? ": it cannot hold networks"
				: "");
		return -1;
	}
	if (i->family != (int)fam) {
		err_set(err, "set %s has family %s, %s needs family %s", s->set,
			i->family == PFX_V4 ? "inet" : i->family == PFX_V6 ? "inet6" : "(none)",
			fam == PFX_V4 ? "set4" : "set6", fam_name(fam));
		return -1;
	}
	if (i->timeout) {
		err_set(err, "set %s has a default timeout: its elements would expire", s->set);
		return -1;
	}
	return 0;
}

static int
by_bounds(const void *a, const void *b)
{
	const struct nl_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return (int)x->stray - (int)y->stray;
}

/* Take the view: which sets exist, their headers, and their elements
 * (from the record while it still applies). */
static int
view(struct output *o, const struct output_ctx *ctx, bool force_dump, struct err *err)
{
	struct ips *n = o->priv;
	struct nftstate st;
	char *names = NULL;
	bool use_state = false;
	double t0 = now_ms();
	int r, rc = -1;

	ips_reset(n);
	nftstate_init(&st);
	if (state_path(o, ctx, err) < 0)
		return -1;
	if (n->sock == NULL && n->k->open(&n->sock, err) < 0)
		return -1;
	if (n->k->names(n->sock, &names, err) < 0)
		return -1;
	for (int k = 0; k < 2; k++) {
		struct side *s = &n->side[k];

		if (s->set == NULL)
			continue;
		s->stray_tmp = ipsetnl_names_have(names, s->tmp);
		if (!ipsetnl_names_have(names, s->set)) {
			if (!n->create) {
				err_set(err, "set %s not found (ipset create %s hash:net family %s, or create = yes)",
					s->set, s->set, fam_name(fams[k]));
				goto out;
			}
			continue;
		}
		r = n->k->header(n->sock, s->set, &s->info, err);
		if (r < 0) {
			err_prefix(err, "set %s", s->set);
			goto out;
		}
		s->exists = true;
		if (check_set(s, fams[k], err) < 0)
			goto out;
	}
	if (!force_dump && n->verify > 0) {
		struct stat sb;

		r = nftstate_load(n->state_path, &st, err);
		if (r < 0)
			log_warn("output \"%s\": %s: dumping the sets instead", o->name, err->msg);
		if (r == 0 && stat(n->state_path, &sb) == 0 && state_matches(n, &st) &&
		    ctx->now - sb.st_mtime < (time_t)n->verify && sb.st_mtime <= ctx->now) {
			use_state = true;
			n->verified = sb.st_mtime;
		}
	}
	for (int k = 0; k < 2 && !use_state; k++) {
		struct side *s = &n->side[k];

		if (!s->exists)
			continue;
		r = n->k->dump(n->sock, s->set, fams[k], &s->live, err);
		if (r < 0) {
			err_prefix(err, "set %s", s->set);
			goto out;
		}
		if (s->live.n > 1)
			qsort(s->live.v, s->live.n, sizeof(*s->live.v), by_bounds);
	}
	n->from_state = use_state;
	if (use_state) {
		n->recorded = st.ranges;
		st.ranges = NULL;
	} else {
		n->verified = ctx->now;
	}
	n->viewed = true;
	n->ms_view = now_ms() - t0;
	rc = 0;
out:
	free(names);
	nftstate_release(&st);
	return rc;
}

static int
ips_live(struct output *o, const struct output_ctx *ctx, struct pset *live, struct err *err)
{
	struct ips *n = o->priv;

	if (view(o, ctx, false, err) < 0)
		return -1;
	for (int k = 0; k < 2; k++) {
		const struct side *s = &n->side[k];

		if (s->set == NULL)
			continue;
		if (n->from_state) {
			for (size_t i = 0, c = pset_count(n->recorded, fams[k]); i < c; i++) {
				struct pfx_range r = pset_get(n->recorded, fams[k], i);

				if (pset_add_range(live, fams[k], r.lo, r.hi) < 0)
					return err_set(err, "out of memory");
			}
			continue;
		}
		for (size_t i = 0; i < s->live.n; i++)
			if (!s->live.v[i].stray &&
			    pset_add_range(live, fams[k], s->live.v[i].lo, s->live.v[i].hi) < 0)
				return err_set(err, "out of memory");
	}
	return 0;
}

static int
push_cidr(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	return nl_ranges_push(ctx, fam, addr, addr | pfx_hostmask(fam, len));
}

/* The minimal CIDR cover of one family of `set`, appended to `out`. */
static int
cover(const struct pset *set, enum pfx_family fam, struct nl_ranges *out)
{
	if (nl_ranges_reserve(out, pset_cidr_count(set, fam)) < 0)
		return -1;
	return pset_each_cidr(set, fam, push_cidr, out);
}

static uint32_t
pow2_at_least(size_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

/* Sizes of a set allowsync creates for `cnt` networks: maxelem with
 * room to double, a hash of about four elements a bucket. */
static void
size_for(struct side *s, size_t cnt, bool grow)
{
	uint32_t hs = pow2_at_least(cnt / 4);

	s->maxelem = s->exists ? s->info.maxelem : 0;
	if (grow || !s->exists) {
		uint32_t me = pow2_at_least(cnt * 2);

		s->maxelem = me < 65536 ? 65536 : me;
	}
	s->hashsize = hs < 1024 ? 1024 : hs;
	if (s->exists && s->info.hashsize > s->hashsize)
		s->hashsize = s->info.hashsize;
}

static bool
family_equal(const struct pset *a, const struct pset *b, enum pfx_family fam)
{
	size_t c = pset_count(a, fam);

	if (c != pset_count(b, fam))
		return false;
	for (size_t i = 0; i < c; i++) {
		struct pfx_range x = pset_get(a, fam, i), y = pset_get(b, fam, i);

		if (x.lo != y.lo || x.hi != y.hi)
			return false;
	}
	return true;
}

/* The delta from a recorded view, walked on the merged ranges in place
 * (covering 100k ranges twice into lists cost more than the rest of a
 * 1% change): identical ranges have identical covers and are kept; the
 * changed ones are covered, and a CIDR that both a deleted and an added
 * range cover stays.  s->want is only built when a fresh set needs it. */
static int
delta_recorded(struct ips *n, struct side *s, const struct pset *want, enum pfx_family fam)
{
	struct nl_ranges add, del, ca, cd;
	size_t keep, both;
	int r = -1;

	nl_ranges_init(&add);
	nl_ranges_init(&del);
	nl_ranges_init(&ca);
	nl_ranges_init(&cd);
	if (nl_ranges_delta(fam, NL_SEQ_SET(n->recorded), NL_SEQ_SET(want), &add, &del, &keep) < 0)
		goto out;
	for (size_t i = 0; i < add.n; i++)
		if (pfx_range_each_cidr(fam, &(struct pfx_range){ add.v[i].lo, add.v[i].hi }, push_cidr,
					&ca) != 0)
			goto out;
	for (size_t i = 0; i < del.n; i++)
		if (pfx_range_each_cidr(fam, &(struct pfx_range){ del.v[i].lo, del.v[i].hi }, push_cidr,
					&cd) != 0)
			goto out;
	if (nl_ranges_delta(fam, NL_SEQ_LIST(&cd), NL_SEQ_LIST(&ca), &s->add, &s->del, &both) < 0)
		goto out;
	/* Kept elements: those of the identical ranges and the shared CIDRs. */
	s->keep = pset_cidr_count(n->recorded, fam) - cd.n + both;
	r = 0;
out:
	nl_ranges_release(&add);
	nl_ranges_release(&del);
	nl_ranges_release(&ca);
	nl_ranges_release(&cd);
	return r;
}

/* From the view and `want`, each set's mode and element lists. */
static int
plan(struct output *o, const struct pset *want, bool *changed, struct err *err)
{
	struct ips *n = o->priv;
	bool change = false;

	for (int k = 0; k < 2; k++) {
		struct side *s = &n->side[k];
		enum pfx_family fam = fams[k];
		size_t cnt = pset_cidr_count(want, fam), live_n;

		nl_ranges_release(&s->want);
		nl_ranges_release(&s->add);
		nl_ranges_release(&s->del);
		s->keep = 0;
		s->mode = M_NONE;
		if (s->set == NULL) {
			if (pset_count(want, fam) > 0)
				log_warn("output \"%s\": %zu %s networks dropped: no set%s configured",
					 o->name, cnt, fam == PFX_V4 ? "IPv4" : "IPv6", k == 0 ? "4" : "6");
			continue;
		}
		/* The record already holds exactly this: nothing to walk. */
		if (n->from_state && s->exists && family_equal(n->recorded, want, fam))
			continue;
		live_n = n->from_state ? pset_cidr_count(n->recorded, fam) : s->live.n;
		if (cnt == 0 && live_n > 0)
			return err_set(err, "set %s: refusing to empty it (%zu elements live, none wanted)",
				       s->set, live_n);
		if (n->from_state ? delta_recorded(n, s, want, fam) < 0
				  : cover(want, fam, &s->want) < 0 ||
					    nl_ranges_delta(fam, NL_SEQ_LIST(&s->live),
							    NL_SEQ_LIST(&s->want), &s->add, &s->del,
							    &s->keep) < 0)
			goto nomem;
		if (!s->exists) {
			s->mode = M_NEW;
			size_for(s, cnt, true);
		} else if (cnt > s->info.maxelem) {
			if (!n->create)
				return err_set(err,
					       "set %s: maxelem %u is too small for %zu networks "
					       "(re-create it with maxelem %u or more, or set create = yes)",
					       s->set, s->info.maxelem, cnt, pow2_at_least(cnt * 2));
			s->mode = M_SWAP;  /* into a bigger set of ours */
			size_for(s, cnt, true);
		} else if (s->add.n == 0 && s->del.n == 0) {
			s->mode = M_NONE;
		} else if (s->add.n + s->del.n > s->keep ||
			   live_n + s->add.n > s->info.maxelem) {
			/* Rewriting most of it, or the additions before the
			 * deletions would not fit: a fresh set is cheaper and as
			 * safe. */
			s->mode = M_SWAP;
			size_for(s, cnt, false);
		} else {
			s->mode = M_DELTA;
		}
		if ((s->mode == M_SWAP || s->mode == M_NEW) && s->want.n == 0 && cnt > 0 &&
		    cover(want, fam, &s->want) < 0)
			goto nomem;
		if (s->mode != M_NONE)
			change = true;
	}
	*changed = change;
	/* A dumped view is worth recording even when nothing changes: the
	 * next run need not dump. */
	n->record = change || !n->from_state;
	return 0;
nomem:
	return err_set(err, "out of memory");
}

static int
ips_prepare(struct output *o, const struct output_ctx *ctx, const struct pset *want,
	    bool *changed, struct err *err)
{
	struct ips *n = o->priv;
	double t0;

	*changed = false;
	if (!n->viewed && view(o, ctx, false, err) < 0)
		return -1;
	t0 = now_ms();
	n->want = want;
	if (plan(o, want, changed, err) < 0) {
		ips_reset(n);
		return -1;
	}
	n->ms_plan = now_ms() - t0;
	return 0;
}

/* Fill the temporary set and put it in place. */
static int
replace(struct ips *n, struct side *s, enum pfx_family fam, struct err *err)
{
	struct err e2;

	if (n->k->create(n->sock, s->tmp, fam, s->hashsize, s->maxelem, s->info.cadt_flags, err) < 0)
		return err_prefix(err, "temporary set %s", s->tmp);
	if (n->k->adt(n->sock, s->tmp, fam, true, s->want.v, s->want.n, err) < 0) {
		err_prefix(err, "temporary set %s", s->tmp);
		goto drop;
	}
	if (s->mode == M_SWAP ? n->k->swap(n->sock, s->tmp, s->set, err) < 0
			      : n->k->rename(n->sock, s->tmp, s->set, err) < 0) {
		err_prefix(err, "set %s", s->set);
		goto drop;
	}
	/* Now the old content: a failure leaves a stray the next run
	 * destroys, the set itself is right. */
	if (s->mode == M_SWAP && n->k->destroy(n->sock, s->tmp, &e2) < 0)
		log_warn("set %s: %s (destroyed by the next run)", s->tmp, e2.msg);
	return 0;
drop:
	err_clear(&e2);
	(void)n->k->destroy(n->sock, s->tmp, &e2);
	return -1;
}

static int
apply(struct ips *n, struct err *err)
{
	for (int k = 0; k < 2; k++) {
		struct side *s = &n->side[k];
		struct err e2;

		if (s->set == NULL)
			continue;
		if (s->stray_tmp) {
			err_clear(&e2);
			if (n->k->destroy(n->sock, s->tmp, &e2) < 0)
				return err_set(err, "stray temporary set %s: %s", s->tmp, e2.msg);
			s->stray_tmp = false;
		}
		switch (s->mode) {
		case M_NONE:
			break;
		case M_DELTA:
			if (n->k->adt(n->sock, s->set, fams[k], true, s->add.v, s->add.n, err) < 0 ||
			    n->k->adt(n->sock, s->set, fams[k], false, s->del.v, s->del.n, err) < 0)
				return err_prefix(err, "set %s", s->set);
			break;
		case M_SWAP:
		case M_NEW:
			if (replace(n, s, fams[k], err) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* Headers again after the update: how many elements each set holds
 * now, and the fingerprint to record. */
static int
reread(struct ips *n, struct err *err)
{
	for (int k = 0; k < 2; k++) {
		struct side *s = &n->side[k];

		if (s->set == NULL)
			continue;
		if (n->k->header(n->sock, s->set, &s->info, err) < 0)
			return err_prefix(err, "set %s", s->set);
		s->exists = true;
	}
	return 0;
}

/* Does every set hold as many elements as the plan leads to? */
static bool
counts_match(const struct ips *n)
{
	for (int k = 0; k < 2; k++) {
		const struct side *s = &n->side[k];
		size_t expect;

		if (s->set == NULL)
			continue;
		if (s->mode == M_SWAP || s->mode == M_NEW)
			expect = s->want.n;
		else if (s->mode == M_DELTA)
			expect = (n->from_state ? pset_cidr_count(n->recorded, fams[k]) : s->live.n) -
				 s->del.n + s->add.n;
		else if (n->from_state)
			expect = pset_cidr_count(n->recorded, fams[k]);
		else
			expect = s->live.n;
		if (s->info.elements != expect)
			return false;
	}
	return true;
}

static int
record(struct output *o, struct err *err)
{
	struct ips *n = o->priv;
	struct nftstate st;
	int r;

	nftstate_init(&st);
	n->k->boot_id(st.boot);
	st.netns = n->k->netns_cookie();
	st.gen = fingerprint(n);
	st.family = NFPROTO_INET;
	snprintf(st.table, sizeof(st.table), "%s", RECORD_TABLE);
	for (int k = 0; k < 2; k++)
		snprintf(st.set[k], sizeof(st.set[k]), "%s", n->side[k].set ? n->side[k].set : "");
	r = nftstate_save(n->state_path, &st, n->want, err);
	if (r == 0 && n->from_state) {
		/* The content was not dumped this time: the record keeps the
		 * time of the last dump, which `verify` counts from. */
		struct timespec t[2] = { { n->verified, 0 }, { n->verified, 0 } };

		(void)utimensat(AT_FDCWD, n->state_path, t, 0);
	}
	return r;
}

static int
ips_commit(struct output *o, const struct output_ctx *ctx, struct err *err)
{
	struct ips *n = o->priv;
	double t0 = now_ms();
	bool changed;

	if (apply(n, err) < 0)
		goto failed;
	if (!n->record)
		goto done;
	if (reread(n, err) < 0)
		goto failed;
	if (!counts_match(n)) {
		if (!n->from_state) {
			/* Someone changed the set while we did: do not vouch
			 * for it, the next run dumps. */
			log_warn("output \"%s\": the sets changed during the update: checked again next run",
				 o->name);
			remove(n->state_path);
			goto done;
		}
		/* The record was wrong (drift that kept the header's figures
		 * until our update showed it): dump and put it right now. */
		log_info("output \"%s\": the sets differ from the record: dumping them", o->name);
		if (view(o, ctx, true, err) < 0 || plan(o, n->want, &changed, err) < 0 ||
		    apply(n, err) < 0 || reread(n, err) < 0)
			goto failed;
		if (!counts_match(n)) {
			log_warn("output \"%s\": the sets changed during the update: checked again next run",
				 o->name);
			remove(n->state_path);
			goto done;
		}
	}
	if (record(o, err) < 0)
		goto failed;
done:
	log_debug("output \"%s\": ipset: view %.1f ms (%s), plan %.1f ms, apply %.1f ms", o->name,
		  n->ms_view, n->from_state ? "record" : "dump", n->ms_plan, now_ms() - t0);
	n->viewed = false;
	return 0;
failed:
	/* A half-applied delta changed the counts: the record no longer
	 * matches, so the next run dumps and finishes it. */
	n->viewed = false;
	return -1;
}

static void
ips_abort(struct output *o, const struct output_ctx *ctx)
{
	struct ips *n = o->priv;

	(void)ctx;
	n->viewed = false;
}

/* `ipset restore` lines. */
static int
ips_render(const struct output *o, const struct pset *want, FILE *f)
{
	const struct ips *n = o->priv;

	for (int k = 0; k < 2; k++) {
		struct nl_ranges c;

		if (n->side[k].set == NULL)
			continue;
		nl_ranges_init(&c);
		if (cover(want, fams[k], &c) < 0) {
			nl_ranges_release(&c);
			errno = ENOMEM;
			return -1;
		}
		for (size_t i = 0; i < c.n; i++) {
			struct pfx_range r = { c.v[i].lo, c.v[i].hi };
			char buf[PFX_TEXT_MAX];

			pfx_format_cidr(fams[k], r.lo, pfx_range_cidr_len(fams[k], &r), buf);
			fprintf(f, "add %s %s\n", n->side[k].set, buf);
		}
		nl_ranges_release(&c);
	}
	return ferror(f) ? -1 : 0;
}

static void
ips_free(struct output *o)
{
	struct ips *n = o->priv;

	if (n == NULL)
		return;
	ips_reset(n);
	n->k->close(n->sock);
	free(n->target);
	free(n->state_path);
	free(n);
	o->priv = NULL;
}

void
out_ipset_use_kernel(struct output *o, const struct out_ipset_kernel *k)
{
	struct ips *n = o->priv;

	ips_reset(n);
	n->k->close(n->sock);
	n->sock = NULL;
	n->k = k;
}

const struct output_type out_ipset = {
	.name = "ipset",
	.keys = ipset_keys,
	.configure = ips_configure,
	.live = ips_live,
	.prepare = ips_prepare,
	.commit = ips_commit,
	.abort = ips_abort,
	.render = ips_render,
	.free = ips_free,
};
