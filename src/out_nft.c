/* out_nft — the `nftables` output: interval sets kept in step through
 * netlink, one transaction per update.
 *
 * What is live: the state file records the ranges of our last commit
 * and the generation that commit produced.  While the ruleset
 * generation is unchanged (same boot, same network namespace), nothing
 * has committed since, so the record is what the kernel holds; when it
 * moved, the set is dumped.  Either way the result ("the view") is the
 * kernel's intervals at generation G.
 *
 * The update is the exact delta between the view and the wanted ranges,
 * sent in one batch that carries G (NFNL_BATCH_GENID).  Why the result
 * is exactly the wanted set:
 *  - the kernel applies the batch only if the generation is still G, so
 *    the view is what the batch operates on (else ERESTART: nothing was
 *    applied, we take a new view and recompute);
 *  - the view's intervals are split into kept (identical start, end and
 *    end element in both), deleted (every other live interval, with the
 *    very elements the kernel holds) and added (every other wanted
 *    interval).  After the deletions only kept intervals remain; kept
 *    and added intervals are all wanted intervals, which are disjoint
 *    and not adjacent, so no added element collides with a kept one and
 *    the set ends up holding the wanted intervals and nothing else;
 *  - the batch is one transaction: a refusal of any part leaves the set
 *    as it was.
 * When most of the set goes, the same batch flushes the set and adds
 * everything instead (fewer messages, same result).  If the ruleset keeps
 * moving under us, the last attempt does that without a generation check:
 * flush + add is exact whatever the set holds.  A batch that would leave
 * a set empty is never built.
 */
#include "out_nft.h"

#include "confkv.h"
#include "confval.h"
#include "log.h"
#include "nftstate.h"
#include "nl.h"

#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef ERESTART
#define ERESTART 85
#endif

/* How often a batch is rebuilt when the ruleset moved under it. */
#define NFT_ATTEMPTS 4

static const enum pfx_family fams[2] = { PFX_V4, PFX_V6 };

static const struct out_nft_kernel nl_kernel = {
	.open = nl_open,
	.close = nl_close,
	.netns_cookie = nl_netns_cookie,
	.boot_id = nftstate_boot_id,
	.getgen = nl_getgen,
	.get_table = nl_get_table,
	.get_set = nl_get_set,
	.dump_ranges = nl_dump_ranges,
	.send = nl_batch_send,
};

struct side {
	const char *set;       /* NULL: no set for this family */
	bool exists;
	struct nl_setinfo info;
	struct nl_ranges live; /* the kernel's intervals in a dumped view */
	struct nl_ranges want; /* built only for a flush */
	struct nl_ranges add;
	struct nl_ranges del;
	size_t keep;
	bool flush;
};

struct nft {
	int family;
	const char *table;
	bool create;
	const struct out_nft_kernel *k;
	char *target;
	char *state_path;
	struct nl_sock *sock;
	bool viewed;          /* the fields below describe generation `gen` */
	uint32_t gen;
	bool from_state;      /* the view came from the state file: */
	struct pset *recorded; /* its intervals, both families (canonical) */
	bool table_exists;
	struct side side[2];
	const struct pset *applied; /* what the prepared batch leads to */
	struct pset *applied_own;   /* its storage when it is not `want` itself */
	struct nl_batch *batch;
	bool record;          /* commit must (re)write the state file */
	bool blind;           /* last attempt: flush + add, valid whatever is live */
	double ms_view;       /* timings for the debug log */
	double ms_plan;
};

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static const struct conf_key nft_keys[] = {
	{ "family", 0 }, { "table", CONF_KEY_REQUIRED }, { "set4", 0 }, { "set6", 0 },
	{ "create", 0 }, { NULL, 0 },
};

static const char *
fam_label(enum pfx_family fam)
{
	return fam == PFX_V4 ? "IPv4" : "IPv6";
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
nft_reset(struct nft *n)
{
	nl_batch_free(n->batch);
	n->batch = NULL;
	pset_free(n->applied_own);
	n->applied_own = NULL;
	n->applied = NULL;
	for (int k = 0; k < 2; k++) {
		side_release(&n->side[k]);
		n->side[k].exists = false;
		n->side[k].keep = 0;
		n->side[k].flush = false;
	}
	pset_free(n->recorded);
	n->recorded = NULL;
	n->from_state = false;
	n->viewed = false;
	n->record = false;
}

static int
nft_configure(struct output *o, const struct conf_section *sec, struct err *err)
{
	struct nft *n = calloc(1, sizeof(*n));
	const char *fam = conf_get(sec, "family"), *create = conf_get(sec, "create"), *r;
	size_t len;

	if (n == NULL) {
		conf_err_set(err, sec, NULL, "out of memory");
		return -1;
	}
	o->priv = n;
	n->k = &nl_kernel;
	n->family = nl_family_parse(fam ? fam : "inet");
	if (n->family < 0) {
		conf_err_set(err, sec, "family", "[output %s] family = %s: use inet, ip or ip6",
			     o->name, fam);
		return -1;
	}
	n->table = conf_get(sec, "table");
	if (!nl_name_valid(n->table, NL_NAME_NETLINK)) {
		conf_err_set(err, sec, "table", "[output %s] table = %s: not a valid nftables name",
			     o->name, n->table);
		return -1;
	}
	n->side[0].set = conf_get(sec, "set4");
	n->side[1].set = conf_get(sec, "set6");
	for (int k = 0; k < 2; k++) {
		const char *key = k == 0 ? "set4" : "set6";

		if (n->side[k].set && !nl_name_valid(n->side[k].set, NL_NAME_NETLINK)) {
			conf_err_set(err, sec, key, "[output %s] %s = %s: not a valid nftables name",
				     o->name, key, n->side[k].set);
			return -1;
		}
		nl_ranges_init(&n->side[k].live);
		nl_ranges_init(&n->side[k].want);
		nl_ranges_init(&n->side[k].add);
		nl_ranges_init(&n->side[k].del);
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
	if (create && (r = conf_parse_bool(create, &n->create))) {
		conf_err_set(err, sec, "create", "[output %s] create = %s: %s", o->name, create, r);
		return -1;
	}
	len = strlen(n->table) + 64 + (n->side[0].set ? strlen(n->side[0].set) : 0) +
	      (n->side[1].set ? strlen(n->side[1].set) : 0);
	n->target = malloc(len);
	if (n->target == NULL) {
		conf_err_set(err, sec, NULL, "out of memory");
		return -1;
	}
	snprintf(n->target, len, "nft %s %s %s %s", nl_family_name(n->family), n->table,
		 n->side[0].set ? n->side[0].set : "-", n->side[1].set ? n->side[1].set : "-");
	o->target = n->target;
	return 0;
}

static int
state_path(struct output *o, const struct output_ctx *ctx, struct err *err)
{
	struct nft *n = o->priv;
	size_t len;

	if (n->state_path)
		return 0;
	len = strlen(ctx->state_dir) + strlen(o->name) + 16;
	n->state_path = malloc(len);
	if (n->state_path == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	snprintf(n->state_path, len, "%s/outputs/%s.nft", ctx->state_dir, o->name);
	return 0;
}

/* Does the record describe this output at generation `gen`? */
static bool
state_matches(const struct nft *n, const struct nftstate *st, uint64_t cookie, uint32_t gen)
{
	char boot[40];

	n->k->boot_id(boot);
	if (st->gen == 0 || st->gen != gen || cookie == 0 || st->netns != cookie)
		return false;
	if (boot[0] == '\0' || strcmp(boot, st->boot) != 0)
		return false;
	if (st->family != n->family || strcmp(st->table, n->table) != 0)
		return false;
	for (int k = 0; k < 2; k++) {
		const char *want = n->side[k].set ? n->side[k].set : "";

		if (strcmp(st->set[k], want) != 0)
			return false;
	}
	return true;
}

static int
check_set(const struct nft *n, const struct side *s, enum pfx_family fam, struct err *err)
{
	const char *fname = nl_family_name(n->family);
	uint32_t ktype = fam == PFX_V4 ? NL_KEY_IPV4 : NL_KEY_IPV6;

	if (s->info.flags & (NFT_SET_MAP | NFT_SET_OBJECT | NFT_SET_CONCAT)) {
		err_set(err, "set %s %s %s is a map or concatenation, not a set of %s addresses",
			fname, n->table, s->set, fam_label(fam));
		return -1;
	}
	if (s->info.key_type != ktype || s->info.key_len != (fam == PFX_V4 ? 4u : 16u)) {
		err_set(err, "set %s %s %s: key type is not %s", fname, n->table, s->set,
			fam == PFX_V4 ? "ipv4_addr" : "ipv6_addr");
		return -1;
	}
	if (!(s->info.flags & NFT_SET_INTERVAL)) {
		err_set(err, "set %s %s %s lacks flags interval", fname, n->table, s->set);
		return -1;
	}
	if (s->info.flags & NFT_SET_TIMEOUT) {
		err_set(err, "set %s %s %s has the timeout flag: elements would expire", fname,
			n->table, s->set);
		return -1;
	}
	if (s->info.flags & NFT_SET_CONSTANT) {
		err_set(err, "set %s %s %s is constant", fname, n->table, s->set);
		return -1;
	}
	return 0;
}

/* Take the view: generation, set properties, and the intervals live at
 * that generation (from the state record when it still applies). */
static int
view(struct output *o, const struct output_ctx *ctx, bool force_dump, struct err *err)
{
	struct nft *n = o->priv;
	struct nftstate st;
	const char *fname = nl_family_name(n->family);
	bool use_state = false;
	double t0 = now_ms();
	int r, rc = -1;

	nft_reset(n);
	nftstate_init(&st);
	if (state_path(o, ctx, err) < 0)
		return -1;
	if (n->sock == NULL && n->k->open(&n->sock, err) < 0)
		return -1;
	if (n->k->getgen(n->sock, &n->gen, err) < 0)
		return -1;
	r = n->k->get_table(n->sock, n->family, n->table, err);
	if (r < 0 && r != -ENOENT)
		return err_prefix(err, "table %s %.64s", fname, n->table);
	n->table_exists = r == 0;
	if (!force_dump) {
		r = nftstate_load(n->state_path, &st, err);
		if (r < 0)
			log_warn("output \"%s\": %s: dumping the sets instead", o->name, err->msg);
		use_state = r == 0 && state_matches(n, &st, n->k->netns_cookie(n->sock), n->gen);
	}
	for (int k = 0; k < 2; k++) {
		struct side *s = &n->side[k];

		if (s->set == NULL)
			continue;
		r = n->table_exists
			? n->k->get_set(n->sock, n->family, n->table, s->set, &s->info, err)
			: -ENOENT;
		if (r == -ENOENT) {
			if (!n->create) {
				err_set(err, "set %s %s %s not found%s", fname, n->table, s->set,
					n->table_exists ? "" : " (no such table)");
				goto out;
			}
			continue;  /* created by the batch; empty until then */
		}
		if (r < 0) {
			err_prefix(err, "set %s %.64s %.64s", fname, n->table, s->set);
			goto out;
		}
		s->exists = true;
		if (check_set(n, s, fams[k], err) < 0)
			goto out;
		if (use_state)
			continue;  /* the record's ranges, below */
		r = n->k->dump_ranges(n->sock, n->family, n->table, s->set, fams[k], &s->live, err);
		if (r < 0) {
			err_prefix(err, "set %s %.64s %.64s", fname, n->table, s->set);
			goto out;
		}
	}
	n->from_state = use_state;
	if (use_state) {
		n->recorded = st.ranges;
		st.ranges = NULL;
	}
	n->viewed = true;
	n->ms_view = now_ms() - t0;
	rc = 0;
out:
	nftstate_release(&st);
	return rc;
}

static int
nft_live(struct output *o, const struct output_ctx *ctx, struct pset *live, struct err *err)
{
	struct nft *n = o->priv;

	if (view(o, ctx, false, err) < 0)
		return -1;
	if (n->from_state) {
		if (pset_add_set(live, n->recorded) < 0) {
			err_set(err, "out of memory");
			return -1;
		}
		return 0;
	}
	for (int k = 0; k < 2; k++) {
		const struct nl_ranges *l = &n->side[k].live;

		for (size_t i = 0; i < l->n; i++) {
			if (l->v[i].stray)
				continue;
			if (pset_add_range(live, fams[k], l->v[i].lo, l->v[i].hi) < 0) {
				err_set(err, "out of memory");
				return -1;
			}
		}
	}
	return 0;
}

/* s->want from the wanted set: what a flush adds. */
static int
want_ranges(struct side *s, const struct pset *want, enum pfx_family fam)
{
	size_t cnt = pset_count(want, fam);

	if (s->want.n > 0 || cnt == 0)
		return 0;
	if (nl_ranges_reserve(&s->want, cnt) < 0)
		return -1;
	for (size_t i = 0; i < cnt; i++) {
		struct pfx_range r = pset_get(want, fam, i);

		if (nl_ranges_push(&s->want, fam, r.lo, r.hi) < 0)
			return -1;
	}
	return 0;
}

/* Split the view against the wanted intervals (see the top comment).
 * `want` and a recorded view are read in place: copying 100k ranges
 * into a list, once per run, cost more than the walk itself. */
static int
delta(struct nft *n, struct side *s, const struct pset *want, enum pfx_family fam)
{
	struct nl_seq live = n->from_state ? NL_SEQ_SET(n->recorded) : NL_SEQ_LIST(&s->live);

	return nl_ranges_delta(fam, live, NL_SEQ_SET(want), &s->add, &s->del, &s->keep);
}

static int
build_batch(struct output *o, struct err *err)
{
	struct nft *n = o->priv;
	bool need_table = false;
	int r = 0;

	for (int k = 0; k < 2; k++)
		if (n->side[k].set && !n->side[k].exists)
			need_table = !n->table_exists;
	/* Blind, the batch does not depend on the view, so it needs no
	 * generation check. */
	n->batch = nl_batch_new(1, n->blind ? 0 : n->gen);
	if (n->batch == NULL)
		goto nomem;
	if (need_table)
		r = nl_batch_add_table(n->batch, n->family, n->table);
	for (int k = 0; k < 2 && r == 0; k++) {
		struct side *s = &n->side[k];

		if (s->set == NULL)
			continue;
		if (!s->exists)
			r = nl_batch_add_set(n->batch, n->family, n->table, s->set, fams[k]);
		if (r == 0 && s->flush) {
			r = nl_batch_flush_set(n->batch, n->family, n->table, s->set);
			if (r == 0)
				r = nl_batch_add_ranges(n->batch, n->family, n->table, s->set, fams[k],
							s->want.v, s->want.n);
			continue;
		}
		if (n->blind)
			continue;  /* nothing wanted: left as it is */
		if (r == 0)
			r = nl_batch_del_ranges(n->batch, n->family, n->table, s->set, fams[k],
						s->del.v, s->del.n);
		if (r == 0)
			r = nl_batch_add_ranges(n->batch, n->family, n->table, s->set, fams[k],
						s->add.v, s->add.n);
	}
	if (r == 0)
		r = nl_batch_end(n->batch);
	if (r == -EINVAL) {
		err_set(err, "refusing a batch that would empty a set");
		return -1;
	}
	if (r < 0)
		goto nomem;
	return 0;
nomem:
	err_set(err, "out of memory");
	return -1;
}

/* From the view and `want`, work out and build the batch. */
static int
plan(struct output *o, const struct pset *want, bool *changed, struct err *err)
{
	struct nft *n = o->priv;
	const char *fname = nl_family_name(n->family);
	bool change = false;

	for (int k = 0; k < 2; k++) {
		struct side *s = &n->side[k];
		size_t cnt = pset_count(want, fams[k]);

		nl_ranges_release(&s->want);
		nl_ranges_release(&s->add);
		nl_ranges_release(&s->del);
		s->flush = false;
		if (s->set == NULL) {
			if (cnt > 0)
				log_warn("output \"%s\": %zu %s ranges dropped: no set%s configured",
					 o->name, cnt, fam_label(fams[k]), k == 0 ? "4" : "6");
			continue;
		}
		if (s->exists && s->info.size != 0 && cnt > s->info.size) {
			err_set(err, "set %s %s %s: size %u is too small for %zu ranges", fname,
				n->table, s->set, s->info.size, cnt);
			return -1;
		}
		size_t live_n = n->from_state ? pset_count(n->recorded, fams[k]) : s->live.n;
		if (cnt == 0 && live_n > 0) {
			err_set(err,
				"set %s %s %s: refusing to empty it (%zu ranges live, none wanted)",
				fname, n->table, s->set, live_n);
			return -1;
		}
		if (delta(n, s, want, fams[k]) < 0)
			goto nomem;
		/* Replacing most of the set: flushing is one message where the
		 * deletions would be many, and the result is the same. */
		s->flush = s->del.n > s->keep && cnt > 0;
		if (n->blind)
			s->flush = cnt > 0;
		if (s->flush && want_ranges(s, want, fams[k]) < 0)
			goto nomem;
		if (!s->exists || s->add.n > 0 || s->del.n > 0 || s->flush)
			change = true;
	}
	*changed = change;
	if (!change) {
		/* A dumped view that already matches is worth recording, so
		 * the next run need not dump again. */
		n->record = !n->from_state;
		return 0;
	}
	n->record = true;
	return build_batch(o, err);
nomem:
	err_set(err, "out of memory");
	return -1;
}

static int
nft_prepare(struct output *o, const struct output_ctx *ctx, const struct pset *want, bool *changed,
	    struct err *err)
{
	struct nft *n = o->priv;
	double t0;

	*changed = false;
	n->blind = false;
	if (!n->viewed && view(o, ctx, false, err) < 0)
		return -1;
	t0 = now_ms();
	/* Only the families that have a set end up applied; `want` itself
	 * (alive until after commit) when no family is dropped. */
	n->applied = want;
	for (int k = 0; k < 2; k++)
		if (n->side[k].set == NULL && pset_count(want, fams[k]) > 0)
			n->applied = NULL;
	if (n->applied == NULL) {
		n->applied_own = pset_new();
		if (n->applied_own == NULL)
			goto nomem;
		for (int k = 0; k < 2; k++) {
			if (n->side[k].set == NULL)
				continue;
			for (size_t i = 0, c = pset_count(want, fams[k]); i < c; i++) {
				struct pfx_range r = pset_get(want, fams[k], i);

				if (pset_add_range(n->applied_own, fams[k], r.lo, r.hi) < 0)
					goto nomem;
			}
		}
		if (pset_merge(n->applied_own) < 0)
			goto nomem;
		n->applied = n->applied_own;
	}
	if (plan(o, want, changed, err) < 0) {
		nft_reset(n);
		return -1;
	}
	n->ms_plan = now_ms() - t0;
	return 0;
nomem:
	err_set(err, "out of memory");
	nft_reset(n);
	return -1;
}

static int
record(struct output *o, uint32_t gen, struct err *err)
{
	struct nft *n = o->priv;
	struct nftstate st;

	nftstate_init(&st);
	n->k->boot_id(st.boot);
	st.netns = n->k->netns_cookie(n->sock);
	st.gen = gen;
	st.family = n->family;
	snprintf(st.table, sizeof(st.table), "%s", n->table);
	for (int k = 0; k < 2; k++)
		snprintf(st.set[k], sizeof(st.set[k]), "%s", n->side[k].set ? n->side[k].set : "");
	return nftstate_save(n->state_path, &st, n->applied, err);
}

static int
nft_commit(struct output *o, const struct output_ctx *ctx, struct err *err)
{
	struct nft *n = o->priv;
	uint32_t after = 0;
	bool forced = false;
	double t0 = now_ms();
	int r = 0;

	for (int attempt = 0; n->batch != NULL; attempt++) {
		bool changed;

		r = n->k->send(n->sock, n->batch, err);
		if (r == 0)
			break;
		/* ERESTART: another commit came between our view and our
		 * batch; nothing was applied.  EEXIST/ENOENT on a view taken
		 * from the record: the record lied (edited, or a coincidence
		 * of generations); take a dump instead. */
		if (attempt + 1 < NFT_ATTEMPTS &&
		    (r == -ERESTART || (n->from_state && !forced && (r == -EEXIST || r == -ENOENT)))) {
			const struct pset *want = n->applied;
			struct pset *own = n->applied_own;

			forced = forced || r != -ERESTART;
			log_info("output \"%s\": %s: retrying with a fresh view", o->name,
				 err->msg);
			n->applied_own = NULL;  /* view() resets; keep what we apply */
			if (view(o, ctx, forced, err) < 0) {
				pset_free(own);
				return -1;
			}
			n->applied = want;
			n->applied_own = own;
			/* Under a ruleset that keeps moving, the last attempt
			 * replaces the whole set: that needs no stable view. */
			if (r == -ERESTART && attempt + 2 >= NFT_ATTEMPTS) {
				log_info("output \"%s\": the ruleset keeps moving: replacing the whole set",
					 o->name);
				n->blind = true;
			}
			if (plan(o, n->applied, &changed, err) < 0)
				return -1;
			continue;
		}
		/* The kernel left the set as it was; but if we cannot tell
		 * (ACKs lost), the next run must not trust the record. */
		if (r == -ENOBUFS || r == -ETIMEDOUT)
			remove(n->state_path);
		/* Neither the batch nor the view it was planned on may serve a
		 * later prepare: it would send this batch again, or call the
		 * old view unchanged. */
		nl_batch_free(n->batch);
		n->batch = NULL;
		n->viewed = false;
		return -1;
	}
	n->viewed = false;  /* our commit moved the generation */
	log_debug("output \"%s\": nftables: view %.1f ms (%s), plan %.1f ms, apply %.1f ms "
		  "(%zu messages, %zu bytes)", o->name, n->ms_view, n->from_state ? "record" : "dump",
		  n->ms_plan, now_ms() - t0, n->batch ? nl_batch_msgs(n->batch) : 0,
		  n->batch ? nl_batch_bytes(n->batch) : 0);
	if (!n->record)
		return 0;
	if (n->batch == NULL) {
		after = n->gen;  /* nothing sent: the view itself is recorded */
	} else if (n->k->getgen(n->sock, &after, err) < 0 || after != n->gen + 1) {
		/* Someone committed right after us: our record may already be
		 * stale, so record no generation and dump next time. */
		after = 0;
	}
	return record(o, after, err);
}

static void
nft_abort(struct output *o, const struct output_ctx *ctx)
{
	struct nft *n = o->priv;

	(void)ctx;
	nl_batch_free(n->batch);
	n->batch = NULL;
	n->viewed = false;
}

static int
nft_render(const struct output *o, const struct pset *want, FILE *f)
{
	const struct nft *n = o->priv;

	for (int k = 0; k < 2; k++) {
		size_t cnt = pset_count(want, fams[k]);

		if (n->side[k].set == NULL || cnt == 0)
			continue;
		fprintf(f, "add element %s %s %s {\n", nl_family_name(n->family), n->table,
			n->side[k].set);
		for (size_t i = 0; i < cnt; i++) {
			struct pfx_range r = pset_get(want, fams[k], i);
			char buf[PFX_TEXT_MAX];
			int len = pfx_range_cidr_len(fams[k], &r);

			if (len >= 0)
				pfx_format_cidr(fams[k], r.lo, len, buf);
			else
				pfx_format_range(fams[k], &r, buf);
			fprintf(f, "\t%s%s\n", buf, i + 1 < cnt ? "," : "");
		}
		fputs("}\n", f);
	}
	return ferror(f) ? -1 : 0;
}

static void
nft_free(struct output *o)
{
	struct nft *n = o->priv;

	if (n == NULL)
		return;
	nft_reset(n);
	n->k->close(n->sock);
	free(n->target);
	free(n->state_path);
	free(n);
	o->priv = NULL;
}

void
out_nft_use_kernel(struct output *o, const struct out_nft_kernel *k)
{
	struct nft *n = o->priv;

	nft_reset(n);
	n->k->close(n->sock);
	n->sock = NULL;
	n->k = k;
}

const struct output_type out_nft = {
	.name = "nftables",
	.keys = nft_keys,
	.configure = nft_configure,
	.live = nft_live,
	.prepare = nft_prepare,
	.commit = nft_commit,
	.abort = nft_abort,
	.render = nft_render,
	.free = nft_free,
};
