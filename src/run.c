/* run — the pipeline, following the data (DESIGN.md), a function a stage:
 *
 *   take_lock        the state directory, one run at a time
 *   gather_sources   each source collected and checked against the policy
 *                    (attempt), or its last good copy (fall_back)
 *   prepare_outputs  each output planned (union of its sources − exclude,
 *                    merged, its grant checked, against what is live),
 *                    gated (growth, shrink, partial)
 *                    and prepared; diff prints the plan instead
 *   commit_outputs   only once every output is prepared
 *   call_hooks       after every commit
 *   save_outputs     the outputs' state (the sources' is saved as gathered)
 *   finish           abort what is still prepared; the exit code, recorded;
 *                    the metrics file (report_metrics)
 */
#include "run.h"

#include "cmd.h"
#include "hook.h"
#include "http.h"
#include "lock.h"
#include "log.h"
#include "metrics.h"
#include "parallel.h"
#include "policy.h"
#include "publish.h"
#include "state.h"
#include "statusjson.h"
#include "plural.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void
run_format_age(time_t secs, char *buf, size_t n)
{
	long long s = secs < 0 ? 0 : (long long)secs;

	if (s < 60)
		snprintf(buf, n, "%llds", s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, n, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, n, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

int
run_load_conf(const char *path, struct conf **c)
{
	struct err err;

	if (conf_load(path ? path : ALLOWSYNC_DEFAULT_CONFIG, 0, c, &err) < 0) {
		log_err("%s", err.msg);
		return EXIT_USAGE;
	}
	/* conf keeps [publish] raw (the publisher's keys are the publisher's
	 * to know), but a bad one is a configuration error for every command. */
	if (publish_conf_check(*c, &err) < 0) {
		log_err("%s", err.msg);
		conf_free(*c);
		*c = NULL;
		return EXIT_USAGE;
	}
	return 0;
}

static size_t
cidrs(const struct pset *s)
{
	return pset_cidr_count(s, PFX_V4) + pset_cidr_count(s, PFX_V6);
}

static bool
source_used(const struct conf *c, const struct source *s)
{
	for (size_t i = 0; i < c->n_outputs; i++)
		for (size_t j = 0; j < c->outputs[i]->n_sources; j++)
			if (c->outputs[i]->sources[j] == s)
				return true;
	return false;
}

void
run_format_dated(time_t now, time_t when, char *buf, size_t n)
{
	char age[32];

	if (when > now) {
		run_format_age(when - now, age, sizeof age);
		snprintf(buf, n, "dated %s in the future", age);
	} else {
		run_format_age(now - when, age, sizeof age);
		snprintf(buf, n, "%s old", age);
	}
}

_Static_assert(SOURCE_FINGERPRINT_MAX == STATE_FP_MAX, "fingerprints are kept whole");

int
run_stored_usable(const struct source *s, const struct state_list_info *info, time_t now,
		  bool check_age, struct err *err)
{
	char keys[256], dated[64], lim[32];

	/* A copy belongs to the origin that produced it (DESIGN.md). */
	if (!info->fingerprint[0])
		return err_set(err, "origin unknown (kept by an older allowsync): "
				    "no last good copy for it");
	if (strcmp(info->fingerprint, s->fingerprint) != 0) {
		/* No key to name: a fingerprint of another form (a damaged
		 * or a future one). */
		if (!*source_fingerprint_diff(info->fingerprint, s->fingerprint, keys, sizeof keys))
			snprintf(keys, sizeof keys, "configuration");
		return err_set(err, "origin changed (%s): no last good copy for it", keys);
	}
	if (!check_age)
		return 0;
	/* Dated in the future, the clock moved back: how old the copy is
	 * cannot be known, so max_stale cannot vouch for it (a step within
	 * RUN_CLOCK_SLACK is the clock's own noise). */
	if (info->when > now && info->when - now > RUN_CLOCK_SLACK) {
		run_format_dated(now, info->when, dated, sizeof dated);
		return err_set(err, "last good copy is %s (the clock moved back?): its age is "
				    "unknown",
			       dated);
	}
	if (now - info->when > (time_t)s->limits.max_stale) {
		run_format_dated(now, info->when, dated, sizeof dated);
		run_format_age((time_t)s->limits.max_stale, lim, sizeof lim);
		return err_set(err, "last good copy is %s, older than max_stale %s", dated, lim);
	}
	return 0;
}

bool
run_degraded_too_long(const struct run_source *rs, time_t now, struct err *why)
{
	uint64_t max = rs->src->limits.max_degraded;
	char age[32], lim[32];

	if (rs->how != RUN_SRC_STALE || !max || !rs->degraded_since || now < rs->degraded_since ||
	    (uint64_t)(now - rs->degraded_since) <= max)
		return false;
	run_format_age(now - rs->degraded_since, age, sizeof age);
	run_format_age((time_t)max, lim, sizeof lim);
	err_set(why, "served from its last good copy for %s, longer than max_degraded %s", age,
		lim);
	return true;
}

/* The last good copy, if it belongs to the source's origin as configured
 * now, re-checked against today's policy (the limits may have been
 * tightened since it was stored).  0 with rs and *info filled, -1 with
 * err saying why not. */
static int
use_stored(const struct conf *c, struct run_source *rs, time_t now, bool check_age,
	   struct state_list_info *info, struct err *err)
{
	struct state_list_info unused;
	struct pset *set;
	int r;

	if (!info)
		info = &unused;
	if ((r = state_list_load(c->state_dir, rs->src->name, &set, info)) < 0)
		return err_set(err, "out of memory");
	if (r > 0)
		return err_set(err, "no last good copy");
	if (run_stored_usable(rs->src, info, now, check_age, err) < 0) {
		pset_free(set);
		return -1;
	}
	if (policy_check(&rs->src->limits, set, err) < 0) {
		err_set(err, "last good copy refused: %.400s", err->msg);
		pset_free(set);
		return -1;
	}
	rs->set = set;
	rs->when = info->when;
	return 0;
}

/* By choice (offline; show and why without --fetch): the last good copy
 * only, judged by max_stale when offline. */
static void
take_stored(const struct conf *c, const struct run_opts *o, struct run_source *rs, time_t now)
{
	rs->how = RUN_SRC_STORED;
	if (use_stored(c, rs, now, o->offline, NULL, &rs->error) < 0) {
		rs->how = RUN_SRC_FAILED;
		log_err("source \"%s\": %s%s", rs->src->name, rs->error.msg,
			o->offline ? "" : " (run allowsync first, or use --fetch)");
	}
}

/* Not modified: the last good copy stands, confirmed fresh as of now (its
 * age is what max_stale judges later). */
static int
take_unchanged(const struct conf *c, struct run_source *rs, time_t now, bool write_state,
	       struct state_source *st, struct err *why)
{
	struct source *s = rs->src;
	struct state_list_info info;
	struct err serr;

	if (use_stored(c, rs, now, false, &info, &rs->error) < 0)
		return err_set(why, "not modified, but %.500s", rs->error.msg);
	rs->how = RUN_SRC_FRESH;
	rs->when = info.when = now;
	if (write_state &&
	    state_list_keep(c->state_dir, s->name, rs->set, &info, st, &serr) < 0)
		log_warn("source \"%s\": state: %s", s->name, serr.msg);
	log_info("source \"%s\": not modified (%zu %s)", s->name, cidrs(rs->set),
		 ENTRIES(cidrs(rs->set)));
	return 0;
}

/* Check: what the source grants, against its policy; what passes is the
 * source's set, and its last good copy unless partial (a partial list
 * must not stand in for a whole one later). */
static int
take_fresh(const struct conf *c, struct run_source *rs, struct source_result *res, time_t now,
	   bool write_state, struct state_source *st, struct err *why)
{
	struct source *s = rs->src;
	struct state_list_info info = {.when = now};
	struct err serr;

	if (policy_check(&s->limits, res->set, why) < 0)
		return err_prefix(why, "refused");
	rs->set = res->set;
	res->set = NULL;
	rs->how = RUN_SRC_FRESH;
	rs->when = now;
	rs->partial = res->partial;
	if (res->partial) {
		log_warn("source \"%s\": partial: %s (applied, may not shrink an output)", s->name,
			 why->msg[0] ? why->msg : "incomplete");
	} else if (write_state) {
		/* The new origin's copy replaces whatever was kept. */
		snprintf(info.origin, sizeof info.origin, "%s",
			 res->origin[0] ? res->origin : s->type->name);
		memcpy(info.fingerprint, s->fingerprint, sizeof info.fingerprint);
		snprintf(info.basis, sizeof info.basis, "%s", res->basis);
		if (state_list_keep(c->state_dir, s->name, rs->set, &info, st, &serr) < 0)
			log_warn("source \"%s\": cannot keep the last good copy: %s", s->name,
				 serr.msg);
	}
	log_info("source \"%s\": %zu %s from %s", s->name, cidrs(rs->set),
		 ENTRIES(cidrs(rs->set)), res->origin);
	return 0;
}

/* One attempt: collect the source now, then check it.  0 with rs filled;
 * -1 with why.  Either way st records the attempt (a partial success
 * keeps its reason in st->error, a failure the publisher's Retry-After). */
static int
attempt(const struct conf *c, struct run_source *rs, time_t now, bool write_state,
	struct http_share *http, struct state_source *st, struct err *why)
{
	struct source *s = rs->src;
	struct source_ctx ctx = {
		.state_dir = c->state_dir,
		.dns_servers = (const char *const *)c->dns_servers,
		.n_dns_servers = c->n_dns_servers,
		.now = now,
		.dry_run = !write_state,
		.http_share = http,
	};
	struct source_result res = {0};
	int rc;

	if (!(res.set = pset_new())) {
		err_set(why, "out of memory");
		goto failed;
	}
	st->attempt = now;
	err_clear(why);
	if (s->type->collect(s, &ctx, &res, why) < 0) {
		if (!why->msg[0])
			err_set(why, "failed");
		goto failed;
	}
	if (res.not_modified)
		rc = take_unchanged(c, rs, now, write_state, st, why);
	else
		rc = take_fresh(c, rs, &res, now, write_state, st, why);
	if (rc < 0)
		goto failed;
	st->success = now;
	st->partial = res.partial;
	st->retry_after = 0;
	st->error[0] = 0;
	if (res.partial)
		snprintf(st->error, sizeof st->error, "partial: %.480s", why->msg);
	pset_free(res.set);
	return 0;
failed:
	snprintf(st->error, sizeof st->error, "%.500s", why->msg);
	st->retry_after = res.retry_after > now ? res.retry_after : 0;
	pset_free(res.set);
	return -1;
}

/* Fall back: no fresh list (why), so the last good copy, while younger
 * than max_stale (stale: the run is degraded); without one the source has
 * nothing, and every output using it fails. */
static void
fall_back(const struct conf *c, struct run_source *rs, time_t now, const struct err *why)
{
	const char *name = rs->src->name;
	char dated[64];

	if (use_stored(c, rs, now, true, NULL, &rs->error) == 0) {
		rs->how = RUN_SRC_STALE;
		run_format_dated(now, rs->when, dated, sizeof dated);
		log_warn("source \"%s\": %s: keeping last good (%s, %zu %s)", name,
			 why->msg, dated, cidrs(rs->set), ENTRIES(cidrs(rs->set)));
		return;
	}
	/* Why the attempt failed, and why the last good copy cannot stand in
	 * (unless that is the same thing). */
	if (strstr(why->msg, rs->error.msg))
		err_set(&rs->error, "%.600s", why->msg);
	else
		err_set(&rs->error, "%.400s; %.200s", why->msg, rs->error.msg);
	rs->how = RUN_SRC_FAILED;
	log_err("source \"%s\": %s", name, rs->error.msg);
}

/* Since when the source has been served from its last good copy: from
 * the first run that fell back to it until one collects the source
 * again (a partial list counts: it is not the last good copy).  A
 * source with nothing usable keeps the date (still no fresh list); one
 * after now (the clock moved back) starts again now. */
static void
note_degraded(struct run_source *rs, struct state_source *st, time_t now)
{
	if (rs->how == RUN_SRC_FRESH)
		st->degraded_since = 0;
	else if (rs->how == RUN_SRC_STALE && (!st->degraded_since || st->degraded_since > now))
		st->degraded_since = now;
	rs->degraded_since = st->degraded_since;
	rs->last_success = st->success;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* One source: collect and check it, or fall back to its last good copy
 * (at once while the publisher's Retry-After lasts); then its state. */
static void
gather_one(const struct conf *c, const struct run_opts *o, struct run_source *rs, time_t now,
	   bool write_state, struct http_share *http)
{
	const char *name = rs->src->name;
	struct state_source st;
	/* why: what went wrong with this attempt (also what a partial
	 * result lacks); serr: the state file's, only warned about. */
	struct err why, serr;
	char age[32];

	state_source_load(c->state_dir, name, &st);
	rs->last_success = st.success;
	if (o->offline || (!o->fetch && !write_state)) {
		take_stored(c, o, rs, now);
		return;
	}
	if (st.retry_after > now) {
		run_format_age(st.retry_after - now, age, sizeof age);
		err_set(&why, "the publisher asked to wait %s more", age);
		fall_back(c, rs, now, &why);
	} else {
		struct timespec t0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (attempt(c, rs, now, write_state, http, &st, &why) < 0)
			fall_back(c, rs, now, &why);
		/* Beside the others collected at once: which one the run waited on. */
		log_debug("source \"%s\": collected in %.0f ms", name, seconds_since(&t0) * 1000);
	}
	st.stale = rs->how == RUN_SRC_STALE;
	note_degraded(rs, &st, now);
	if (write_state && state_source_save(c->state_dir, name, &st, &serr) < 0)
		log_warn("source \"%s\": state: %s", name, serr.msg);
}

void
run_sources_free(struct run_source *rs, size_t n)
{
	if (!rs)
		return;
	for (size_t i = 0; i < n; i++)
		pset_free(rs[i].set);
	free(rs);
}

/* The sources, collected at once (parallel.h): each on a thread of its
 * own, its log lines kept and printed in configuration order. */
struct gathering {
	const struct conf *c;
	const struct run_opts *o;
	struct run_source *rs;
	struct log_buf *logs;
	struct http_share *http; /* TLS sessions and DNS answers, shared */
	time_t now;
	bool write_state;
	bool only_used; /* leave out the sources no output uses */
};

static void
gather_job(void *ctx, size_t i)
{
	struct gathering *g = ctx;

	if (g->only_used && !source_used(g->c, g->rs[i].src)) {
		err_set(&g->rs[i].error, "not used by any output");
		return;
	}
	log_capture(&g->logs[i]);
	gather_one(g->c, g->o, &g->rs[i], g->now, g->write_state, g->http);
	log_capture(NULL);
}

static void
gather_done(void *ctx, size_t i)
{
	struct gathering *g = ctx;

	log_buf_flush(&g->logs[i]);
}

static struct run_source *
gather(struct conf *c, const struct run_opts *o, bool write_state, bool only_used)
{
	size_t n = c->n_sources;
	struct gathering g = {
		.c = c, .o = o, .now = time(NULL), .write_state = write_state, .only_used = only_used,
		.rs = calloc(n ? n : 1, sizeof *g.rs),
		.logs = calloc(n ? n : 1, sizeof *g.logs),
	};
	/* Only a collection waits on publishers; last good copies are read
	 * at once. */
	bool collecting = !o->offline && (o->fetch || write_state);

	if (!g.rs || !g.logs) {
		free(g.rs);
		free(g.logs);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		g.rs[i].src = c->sources[i];
		g.rs[i].how = RUN_SRC_FAILED;
	}
	/* NULL (out of memory) only costs the sharing. */
	g.http = collecting ? http_share_new() : NULL;
	parallel_run(n, collecting ? PARALLEL_WIDTH : 1, gather_job, gather_done, &g);
	http_share_free(g.http);
	free(g.logs);
	return g.rs;
}

struct run_source *
run_gather(struct conf *c, const struct run_opts *o)
{
	return gather(c, o, false, false);
}

struct pset *
run_want(const struct output *o, const struct conf *c, const struct run_source *rs, struct err *err)
{
	struct pset *want = pset_new();

	if (!want)
		goto nomem;
	for (size_t j = 0; j < o->n_sources; j++) {
		const struct run_source *r = NULL;
		for (size_t i = 0; i < c->n_sources; i++)
			if (rs[i].src == o->sources[j])
				r = &rs[i];
		if (!r || !r->set) {
			err_set(err, "source \"%s\" has no usable data", o->sources[j]->name);
			pset_free(want);
			return NULL;
		}
		if (pset_add_set(want, r->set) < 0)
			goto nomem;
	}
	if (pset_merge(want) < 0 || pset_subtract(want, o->exclude) < 0)
		goto nomem;
	return want;
nomem:
	pset_free(want);
	err_set(err, "out of memory");
	return NULL;
}

/* --------------------------------------------------------------- outputs */

enum out_how { OUT_SKIP, OUT_FAILED, OUT_HELD, OUT_PREPARED, OUT_DONE };

struct run_output {
	struct output *o;
	struct pset *want;
	struct pset *live;
	struct pset *added;   /* want - live, and */
	struct pset *removed; /* live - want: worked out once, for the guards and the reports */
	enum out_how how;
	bool changed;
	bool partial;
	struct state_output st;
};

static int
print_cidr(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	char buf[PFX_TEXT_MAX + 2];
	FILE **fp = ctx;

	pfx_format_cidr(fam, addr, len, buf + 1);
	buf[0] = (char)(fp[1] != NULL ? '+' : '-');
	return fprintf(fp[0], "%s\n", buf) < 0 ? -1 : 0;
}

/* diff: the +/- lines (minimal CIDR covers of what is added/removed). */
static int
print_diff(FILE *out, const struct run_output *ro, const char *note)
{
	FILE *plus[2] = {out, out}, *minus[2] = {out, NULL};

	fprintf(out, "output \"%s\": +%zu -%zu entries (%zu now, %zu after)%s\n", ro->o->name,
		cidrs(ro->added), cidrs(ro->removed), cidrs(ro->live), cidrs(ro->want), note);
	for (int k = 0; k < 2; k++) {
		enum pfx_family fam = k ? PFX_V6 : PFX_V4;
		if (pset_each_cidr(ro->removed, fam, print_cidr, minus) ||
		    pset_each_cidr(ro->added, fam, print_cidr, plus))
			return -1;
	}
	return 0;
}

/* A message kept in a state file's text field: cut to fit. */
static void
state_text(char dst[STATE_TEXT_MAX], const char *msg)
{
	snprintf(dst, STATE_TEXT_MAX, "%.*s", STATE_TEXT_MAX - 1, msg);
}

/* The output is left as it is; its state says why.  Returns -1. */
static int
output_failed(struct run_output *ro, const char *stage, struct err *err)
{
	ro->how = OUT_FAILED;
	err_prefix(err, "%s", stage);
	state_text(ro->st.error, err->msg);
	log_err("output \"%s\": %s: left unchanged", ro->o->name, err->msg);
	return -1;
}

/* ------------------------------------------------------------- the run */

/* One run of the pipeline, handed from stage to stage. */
struct run {
	struct conf *c;
	const struct run_opts *o;
	struct output_ctx octx;
	int lockfd;
	struct timespec t0;    /* the start, for the run's duration */
	struct run_source *rs; /* c->n_sources, from gather_sources */
	struct run_output *ro; /* c->n_outputs, from prepare_outputs */
	bool degraded;         /* exit 3, unless */
	bool failed;           /* exit 1 */
};

/* The state directory, and this run's hold on it.  diff creates nothing,
 * not even the directory or the lock file: it takes a shared lock on a
 * lock file that is there (so that it never reads a run's half-written
 * state), and none without.  0, or the exit code. */
static int
take_lock(struct run *r)
{
	struct err err;
	struct stat sb;
	int rc;

	if (!r->o->dry_run && state_init(r->c->state_dir, &err) < 0) {
		log_err("state: %s", err.msg);
		return EXIT_FAIL;
	}
	if (r->o->dry_run && stat(r->c->state_dir, &sb) != 0)
		return 0;
	rc = lock_acquire(r->c->state_dir, r->o->dry_run, &r->lockfd, &err);
	if (rc == 1) {
		log_err("another allowsync run holds %s/lock: nothing done", r->c->state_dir);
		return EXIT_LOCKED;
	}
	if (rc < 0) {
		log_err("state: %s", err.msg);
		return EXIT_FAIL;
	}
	return 0;
}

/* Gather and check every source an output uses (fresh, or its last good
 * copy); diff and --offline keep no state.  A stale or partial source
 * degrades the run; one stale for longer than max_degraded fails it
 * (its last good copy is applied all the same). */
static int
gather_sources(struct run *r)
{
	struct run_opts go = *r->o;

	go.fetch = !r->o->offline;
	if (!(r->rs = gather(r->c, &go, !r->o->dry_run && !r->o->offline, true))) {
		log_err("out of memory");
		r->failed = true;
		return -1;
	}
	for (size_t i = 0; i < r->c->n_sources; i++) {
		struct err why;
		if (r->rs[i].how == RUN_SRC_STALE || r->rs[i].partial)
			r->degraded = true;
		if (run_degraded_too_long(&r->rs[i], r->octx.now, &why)) {
			log_err("source \"%s\": %s", r->rs[i].src->name, why.msg);
			r->failed = true;
		}
	}
	return 0;
}

static bool
uses_partial(const struct run *r, const struct output *out)
{
	for (size_t j = 0; j < out->n_sources; j++)
		for (size_t k = 0; k < r->c->n_sources; k++)
			if (r->rs[k].src == out->sources[j] && r->rs[k].partial)
				return true;
	return false;
}

/* What the output's union grants, against its address caps (the floors
 * are each source's: adjacent blocks of different publishers may merge
 * into a broad range none of them granted).  0, or -1 with err. */
static int
check_grant(const struct output *out, const struct pset *want, struct err *err)
{
	const struct policy_grant g = {
		.max_addresses4 = out->max_addresses4,
		.max_addresses6 = out->max_addresses6,
	};

	return policy_grant(&g, want, NULL, 0, err);
}

/* Plan: whether the system's use of the output allows writing it (vet),
 * what the output would hold (the union of its sources minus
 * exclude, merged), what it holds now, and the difference both ways.
 * Unreadable live content is replaced only with --force.  -1 when the
 * output failed. */
static int
plan_output(struct run *r, struct run_output *ro)
{
	struct output *out = ro->o;
	struct err err;

	state_output_load(r->c->state_dir, out->name, &ro->st);
	ro->st.error[0] = 0;
	if (out->type->vet && out->type->vet(out, &err) < 0)
		return output_failed(ro, "refused", &err);
	if (!(ro->want = run_want(out, r->c, r->rs, &err)))
		return output_failed(ro, "sources", &err);
	ro->partial = uses_partial(r, out);
	if (check_grant(out, ro->want, &err) < 0)
		return output_failed(ro, "refused", &err);
	if (!(ro->live = pset_new())) {
		err_set(&err, "out of memory");
		return output_failed(ro, "live", &err);
	}
	err_clear(&err);
	if (out->type->live(out, &r->octx, ro->live, &err) < 0) {
		if (!r->o->force)
			return output_failed(ro, "reading what is live", &err);
		log_warn("output \"%s\": reading what is live: %s: --force: replacing it",
			 out->name, err.msg);
		pset_clear(ro->live);
	}
	if (pset_merge(ro->live) < 0 || !(ro->added = pset_new()) || !(ro->removed = pset_new()) ||
	    pset_diff(ro->live, ro->want, ro->added, ro->removed) < 0) {
		err_set(&err, "out of memory");
		return output_failed(ro, "live", &err);
	}
	return 0;
}

/* Gates: the growth and shrink guards (max_growth, max_shrink, measured
 * against what is live), and a partial source may only add.  true with
 * held saying why the change waits for --force.  Growth first: entries
 * that merge into broader ones are growth, whatever their count does. */
static bool
gate_output(const struct run_output *ro, struct err *held)
{
	err_clear(held);
	if (policy_growth(ro->live, ro->want, ro->o->max_growth, held) != 0)
		return true;
	if (policy_shrink(ro->live, ro->want, ro->removed, ro->o->max_shrink, held) != 0)
		return true;
	if (ro->partial && pset_total(ro->removed)) {
		err_set(held, "a partial source would remove %zu %s", cidrs(ro->removed),
			ENTRIES(cidrs(ro->removed)));
		return true;
	}
	return false;
}

/* diff: print the plan, and what holds it (or add it to the JSON
 * document); prepare nothing. */
static void
show_plan(struct run *r, struct run_output *ro, bool hold, const struct err *held)
{
	const struct statusjson_plan p = {
		.o = ro->o, .live = ro->live, .want = ro->want, .added = ro->added,
		.removed = ro->removed, .held = hold ? held->msg : NULL,
	};
	char note[ERR_MAX + 64] = "";
	struct err err;
	int rc;

	if (r->o->json) {
		rc = statusjson_diff_add(r->o->json, &p);
	} else {
		if (hold)
			snprintf(note, sizeof note, " [held: %s%s]", held->msg,
				 r->o->force ? ", --force applies it" : "");
		rc = print_diff(r->o->out, ro, note);
	}
	if (rc < 0) {
		err_set(&err, "%s", strerror(errno));
		output_failed(ro, "diff", &err);
		return;
	}
	ro->how = OUT_SKIP;
	if (hold && !r->o->force)
		r->degraded = true;
}

/* Prepare: the new content written and validated beside the live one,
 * ready to commit; unless a gate holds it (then it stays as it is). */
static void
prepare_output(struct run *r, struct run_output *ro, bool hold, const struct err *held)
{
	struct output *out = ro->o;
	struct err err;

	if (hold && !r->o->force) {
		ro->how = OUT_HELD;
		r->degraded = true;
		snprintf(ro->st.error, sizeof ro->st.error, "held: %.*s (--force applies it)",
			 STATE_TEXT_MAX - 40, held->msg);
		log_warn("output \"%s\": held: %s: left unchanged (--force applies it)", out->name,
			 held->msg);
		return;
	}
	if (hold)
		log_warn("output \"%s\": %s: applied anyway (--force)", out->name, held->msg);
	err_clear(&err);
	if (out->type->prepare(out, &r->octx, ro->want, &ro->changed, &err) < 0) {
		output_failed(ro, "prepare", &err);
		return;
	}
	ro->how = OUT_PREPARED;
}

/* Every output in turn: plan, gates, then prepare (diff: print).  None is
 * committed before all are prepared. */
static int
prepare_outputs(struct run *r)
{
	if (!(r->ro = calloc(r->c->n_outputs ? r->c->n_outputs : 1, sizeof *r->ro))) {
		log_err("out of memory");
		r->failed = true;
		return -1;
	}
	for (size_t i = 0; i < r->c->n_outputs; i++) {
		struct run_output *ro = &r->ro[i];
		struct err held; /* why a gate holds it back */
		bool hold;

		ro->o = r->c->outputs[i];
		if (plan_output(r, ro) < 0) {
			/* diff --json names every output, a failed one with why. */
			if (r->o->dry_run && r->o->json) {
				const struct statusjson_plan p = {.o = ro->o, .error = ro->st.error};
				if (statusjson_diff_add(r->o->json, &p) < 0)
					log_err("output \"%s\": diff: out of memory", ro->o->name);
			}
			continue;
		}
		hold = gate_output(ro, &held);
		if (r->o->dry_run)
			show_plan(r, ro, hold, &held);
		else
			prepare_output(r, ro, hold, &held);
	}
	return 0;
}

/* Every prepared output made live; what it now holds goes to its state. */
static void
commit_outputs(struct run *r)
{
	for (size_t i = 0; i < r->c->n_outputs; i++) {
		struct run_output *x = &r->ro[i];
		struct err err;

		if (x->how != OUT_PREPARED)
			continue;
		err_clear(&err);
		if (x->o->type->commit(x->o, &r->octx, &err) < 0) {
			output_failed(x, "commit", &err);
			continue;
		}
		x->how = OUT_DONE;
		x->st.applied = r->octx.now;
		x->st.entries = cidrs(x->want);
		state_digest(x->want, x->st.digest);
		if (x->changed) {
			x->st.changed = r->octx.now;
			log_notice("output \"%s\": updated: +%zu -%zu, %zu %s", x->o->name,
				   cidrs(x->added), cidrs(x->removed), x->st.entries,
				   ENTRIES(x->st.entries));
		} else {
			log_info("output \"%s\": unchanged, %zu %s", x->o->name, x->st.entries,
				 ENTRIES(x->st.entries));
		}
	}
}

/* Hooks after every commit: one output's hook never sees another output
 * half-way.  A failed hook is retried on the next run, change or not. */
static void
call_hooks(struct run *r)
{
	for (size_t i = 0; i < r->c->n_outputs; i++) {
		struct run_output *x = &r->ro[i];
		struct err herr;

		if (x->how != OUT_DONE || !x->o->on_change || (!x->changed && !x->st.hook_pending))
			continue;
		if (hook_run(x->o->on_change, x->o->hook_timeout, &herr) < 0) {
			x->st.hook_pending = true;
			err_prefix(&herr, "on_change");
			state_text(x->st.error, herr.msg);
			log_err("output \"%s\": %s (retried on the next run)", x->o->name,
				herr.msg);
			r->failed = true;
		} else {
			if (x->st.hook_pending)
				log_notice("output \"%s\": on_change succeeded on retry",
					   x->o->name);
			x->st.hook_pending = false;
		}
	}
}

/* Every output's state, for status and the next run. */
static void
save_outputs(struct run *r)
{
	for (size_t i = 0; i < r->c->n_outputs; i++) {
		struct run_output *x = &r->ro[i];
		struct err serr;

		if (x->how == OUT_FAILED)
			r->failed = true;
		if (state_output_save(r->c->state_dir, x->o->name, &x->st, &serr) < 0)
			log_warn("output \"%s\": state: %s", x->o->name, serr.msg);
	}
}

/* The run in the state directory, for status: when it started and
 * ended and how (diff leaves no trace). */
static void
record_run(const struct run *r, int rc)
{
	const struct state_run last = {.start = r->octx.now, .end = time(NULL), .exit_code = rc};
	struct err err;

	if (!r->o->dry_run && state_run_save(r->c->state_dir, &last, &err) < 0)
		log_warn("state: %s", err.msg);
}

/* ------------------------------------------------------------- metrics */

static void
count_set(const struct pset *s, struct metrics_count *n)
{
	n->entries = cidrs(s);
	n->addresses_known = true;
	n->addresses[0] = pset_addr_count(s, PFX_V4);
	n->addresses[1] = pset_addr_count(s, PFX_V6);
}

static void
metrics_of_source(const struct run_source *rs, struct metrics_source *m)
{
	m->name = rs->src->name;
	m->last_success = rs->last_success;
	m->degraded_since = rs->degraded_since;
	m->last_good = rs->how == RUN_SRC_STALE;
	m->count.addresses_known = true; /* nothing usable: none */
	if (rs->set)
		count_set(rs->set, &m->count);
}

/* What the output holds after the run: what it was given, or, left as it
 * was, what was read from it (its entries as last applied when it was
 * not read: no address count then). */
static void
metrics_of_output(const struct run_output *ro, struct metrics_output *m)
{
	m->name = ro->o->name;
	m->last_success = ro->st.applied;
	m->held = ro->how == OUT_HELD;
	m->hook_pending = ro->st.hook_pending;
	m->count.entries = ro->st.entries;
	if (ro->how == OUT_DONE)
		count_set(ro->want, &m->count);
	else if (ro->added) /* live was read (the difference was worked out) */
		count_set(ro->live, &m->count);
}

/* [global] metrics_file, for a run that applies (diff and --offline
 * observe nothing new of the sources: they leave it).  The sources no
 * output uses are left out (never collected).  A failure is one line;
 * the exit code stands (the allowlists are what it says). */
static void
report_metrics(const struct run *r, int rc)
{
	const struct conf *c = r->c;
	struct metrics_source *ms = NULL;
	struct metrics_output *mo = NULL;
	struct metrics_run m = {.when = r->octx.now, .exit_code = rc};
	struct err err;

	if (!c->metrics_file || r->o->dry_run || r->o->offline)
		return;
	m.duration = seconds_since(&r->t0);
	if (!(ms = calloc(c->n_sources + 1, sizeof *ms)) ||
	    !(mo = calloc(c->n_outputs + 1, sizeof *mo))) {
		err_set(&err, "out of memory");
		goto fail;
	}
	for (size_t i = 0; r->rs && i < c->n_sources; i++)
		if (source_used(c, r->rs[i].src))
			metrics_of_source(&r->rs[i], &ms[m.n_sources++]);
	for (size_t i = 0; r->ro && i < c->n_outputs; i++)
		metrics_of_output(&r->ro[i], &mo[m.n_outputs++]);
	m.sources = ms;
	m.outputs = mo;
	if (metrics_write(c->metrics_file, &m, &err) == 0)
		goto out;
fail:
	log_err("metrics_file: not written: %s", err.msg);
out:
	free(ms);
	free(mo);
}

/* The end of every run that got the lock: an output still prepared was
 * never committed (the run stopped short), so it is aborted; then the
 * exit code, recorded, which the metrics file reports too. */
static int
finish(struct run *r)
{
	int rc;

	for (size_t i = 0; r->ro && i < r->c->n_outputs; i++) {
		struct run_output *x = &r->ro[i];

		if (x->how == OUT_PREPARED)
			x->o->type->abort(x->o, &r->octx);
		if (x->how == OUT_FAILED)
			r->failed = true;
	}
	rc = r->failed ? EXIT_FAIL : r->degraded ? EXIT_DEGRADED : EXIT_OK;
	report_metrics(r, rc);
	for (size_t i = 0; r->ro && i < r->c->n_outputs; i++) {
		struct run_output *x = &r->ro[i];

		pset_free(x->want);
		pset_free(x->live);
		pset_free(x->added);
		pset_free(x->removed);
	}
	free(r->ro);
	run_sources_free(r->rs, r->c->n_sources);
	rc = r->failed ? EXIT_FAIL : r->degraded ? EXIT_DEGRADED : EXIT_OK;
	record_run(r, rc);
	lock_release(r->lockfd);
	return rc;
}

int
run_pipeline(struct conf *c, const struct run_opts *o)
{
	struct run r = {
		.c = c,
		.o = o,
		.octx = {.state_dir = c->state_dir, .offline = o->offline, .now = time(NULL)},
		.lockfd = -1,
	};
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	if ((rc = take_lock(&r)) != 0) {
		/* Another run holds the lock: that one writes the metrics. */
		if (rc != EXIT_LOCKED)
			report_metrics(&r, rc);
		return rc;
	}
	if (gather_sources(&r) == 0 && prepare_outputs(&r) == 0 && !o->dry_run) {
		commit_outputs(&r);
		call_hooks(&r);
		save_outputs(&r);
	}
	return finish(&r);
}
