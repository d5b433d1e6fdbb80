/* run — the pipeline, following the data: sources, policy, per-output
 * sets, prepare every output, commit every output, state and hooks. */
#include "run.h"

#include "cmd.h"
#include "hook.h"
#include "lock.h"
#include "log.h"
#include "policy.h"
#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* The last good copy, re-checked against today's policy (the limits may
 * have been tightened since it was stored).  0 with rs filled, -1 with
 * err saying why not. */
static int
use_stored(const struct conf *c, struct run_source *rs, time_t now, bool check_age,
	   char origin[STATE_TEXT_MAX], struct err *err)
{
	char age[32], lim[32], unused[STATE_TEXT_MAX];
	struct pset *set;
	time_t when;
	int r = state_list_load(c->state_dir, rs->src->name, &set, &when, origin ? origin : unused);

	if (r < 0)
		return err_set(err, "out of memory");
	if (r > 0)
		return err_set(err, "no last good copy");
	run_format_age(now - when, age, sizeof age);
	if (check_age && now - when > (time_t)rs->src->limits.max_stale) {
		run_format_age((time_t)rs->src->limits.max_stale, lim, sizeof lim);
		err_set(err, "last good copy is %s old, older than max_stale %s", age, lim);
		pset_free(set);
		return -1;
	}
	if (policy_check(&rs->src->limits, set, err) < 0) {
		err_set(err, "last good copy refused: %.400s", err->msg);
		pset_free(set);
		return -1;
	}
	rs->set = set;
	rs->when = when;
	return 0;
}

/* Collect one source, apply the policy, fall back to the last good copy. */
static void
gather_one(const struct conf *c, const struct run_opts *o, struct run_source *rs, time_t now,
	   bool write_state)
{
	struct source *s = rs->src;
	struct source_ctx ctx = {
		.state_dir = c->state_dir,
		.dns_servers = (const char *const *)c->dns_servers,
		.n_dns_servers = c->n_dns_servers,
		.now = now,
	};
	struct source_result res = {0};
	struct state_source st;
	/* why: what went wrong with this attempt (also what a partial
	 * result lacks); serr: the state files', only warned about. */
	struct err why, serr;
	char age[32];

	state_source_load(c->state_dir, s->name, &st);
	if (o->offline || (!o->fetch && !write_state)) {
		rs->how = RUN_SRC_STORED;
		if (use_stored(c, rs, now, o->offline, NULL, &rs->error) < 0) {
			rs->how = RUN_SRC_FAILED;
			log_err("source \"%s\": %s%s", s->name, rs->error.msg,
				o->offline ? "" : " (run allowsync first, or use --fetch)");
		}
		return;
	}
	if (st.retry_after > now) {
		run_format_age(st.retry_after - now, age, sizeof age);
		err_set(&why, "the publisher asked to wait %s more", age);
		goto fallback;
	}
	if (!(res.set = pset_new())) {
		err_set(&why, "out of memory");
		goto failed_attempt;
	}
	st.attempt = now;
	err_clear(&why);
	if (s->type->collect(s, &ctx, &res, &why) < 0) {
		if (!why.msg[0])
			err_set(&why, "failed");
		goto failed_attempt;
	}
	if (res.not_modified) {
		char origin[STATE_TEXT_MAX];
		if (use_stored(c, rs, now, false, origin, &rs->error) < 0) {
			err_set(&why, "not modified, but %.500s", rs->error.msg);
			goto failed_attempt;
		}
		rs->how = RUN_SRC_FRESH;
		rs->when = now;
		/* Confirmed unchanged: the same list, fresh as of now. */
		if (write_state &&
		    state_list_keep(c->state_dir, s->name, rs->set, now, origin, &st, &serr) < 0)
			log_warn("source \"%s\": state: %s", s->name, serr.msg);
		log_info("source \"%s\": not modified (%zu entries)", s->name, cidrs(rs->set));
		goto succeeded;
	}
	if (policy_check(&s->limits, res.set, &why) < 0) {
		err_prefix(&why, "refused");
		goto failed_attempt;
	}
	rs->set = res.set;
	res.set = NULL;
	rs->how = RUN_SRC_FRESH;
	rs->when = now;
	rs->partial = res.partial;
	if (res.partial) {
		log_warn("source \"%s\": partial: %s (applied, may not shrink an output)", s->name,
			 why.msg[0] ? why.msg : "incomplete");
	} else if (write_state &&
		   state_list_keep(c->state_dir, s->name, rs->set, now,
				   res.origin[0] ? res.origin : s->type->name, &st, &serr) < 0) {
		log_warn("source \"%s\": cannot keep the last good copy: %s", s->name, serr.msg);
	}
	log_info("source \"%s\": %zu entries from %s", s->name, cidrs(rs->set), res.origin);
succeeded:
	st.success = now;
	st.partial = res.partial;
	st.retry_after = 0;
	st.error[0] = 0;
	if (res.partial)
		snprintf(st.error, sizeof st.error, "partial: %.480s", why.msg);
	goto save;
failed_attempt:
	snprintf(st.error, sizeof st.error, "%.500s", why.msg);
	st.retry_after = res.retry_after > now ? res.retry_after : 0;
fallback:
	pset_free(res.set);
	res.set = NULL;
	if (use_stored(c, rs, now, true, NULL, &rs->error) == 0) {
		rs->how = RUN_SRC_STALE;
		run_format_age(now - rs->when, age, sizeof age);
		log_warn("source \"%s\": %s: keeping last good (%s old, %zu entries)", s->name,
			 why.msg, age, cidrs(rs->set));
	} else {
		/* Why the attempt failed, and why the last good copy cannot
		 * stand in (unless that is the same thing). */
		if (strstr(why.msg, rs->error.msg))
			err_set(&rs->error, "%.600s", why.msg);
		else
			err_set(&rs->error, "%.400s; %.200s", why.msg, rs->error.msg);
		rs->how = RUN_SRC_FAILED;
		log_err("source \"%s\": %s", s->name, rs->error.msg);
	}
save:
	pset_free(res.set);
	if (write_state && state_source_save(c->state_dir, s->name, &st, &serr) < 0)
		log_warn("source \"%s\": state: %s", s->name, serr.msg);
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

static struct run_source *
gather(struct conf *c, const struct run_opts *o, bool write_state, bool only_used)
{
	struct run_source *rs = calloc(c->n_sources ? c->n_sources : 1, sizeof *rs);
	time_t now = time(NULL);

	if (!rs)
		return NULL;
	for (size_t i = 0; i < c->n_sources; i++) {
		rs[i].src = c->sources[i];
		rs[i].how = RUN_SRC_FAILED;
		if (only_used && !source_used(c, c->sources[i])) {
			err_set(&rs[i].error, "not used by any output");
			continue;
		}
		gather_one(c, o, &rs[i], now, write_state);
	}
	return rs;
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

static void
output_failed(struct run_output *ro, const char *stage, struct err *err)
{
	ro->how = OUT_FAILED;
	err_prefix(err, "%s", stage);
	state_text(ro->st.error, err->msg);
	log_err("output \"%s\": %s: left unchanged", ro->o->name, err->msg);
}

int
run_pipeline(struct conf *c, const struct run_opts *o)
{
	struct output_ctx octx = {.state_dir = c->state_dir, .offline = o->offline, .now = time(NULL)};
	struct run_source *rs = NULL;
	struct run_output *ro = NULL;
	struct err err;
	bool degraded = false, failed = false;
	int lockfd = -1, r;
	struct stat sb;

	if (!o->dry_run && state_init(c->state_dir, &err) < 0) {
		log_err("state: %s", err.msg);
		return EXIT_FAIL;
	}
	/* diff writes nothing, not even a new state directory. */
	if (!o->dry_run || stat(c->state_dir, &sb) == 0) {
		r = lock_acquire(c->state_dir, &lockfd, &err);
		if (r == 1) {
			log_err("another allowsync run holds %s/lock: nothing done", c->state_dir);
			return EXIT_LOCKED;
		}
		if (r < 0) {
			log_err("state: %s", err.msg);
			return EXIT_FAIL;
		}
	}

	struct run_opts go = *o;
	go.fetch = !o->offline;
	if (!(rs = gather(c, &go, !o->dry_run && !o->offline, true)) ||
	    !(ro = calloc(c->n_outputs ? c->n_outputs : 1, sizeof *ro))) {
		log_err("out of memory");
		failed = true;
		goto out;
	}
	for (size_t i = 0; i < c->n_sources; i++)
		if (rs[i].how == RUN_SRC_STALE || rs[i].partial)
			degraded = true;

	/* Work out every output's new content, and prepare it. */
	for (size_t i = 0; i < c->n_outputs; i++) {
		struct output *out = c->outputs[i];
		ro[i].o = out;
		state_output_load(c->state_dir, out->name, &ro[i].st);
		ro[i].st.error[0] = 0;
		if (!(ro[i].want = run_want(out, c, rs, &err))) {
			output_failed(&ro[i], "sources", &err);
			continue;
		}
		for (size_t j = 0; j < out->n_sources; j++)
			for (size_t k = 0; k < c->n_sources; k++)
				if (rs[k].src == out->sources[j] && rs[k].partial)
					ro[i].partial = true;
		if (!(ro[i].live = pset_new())) {
			err_set(&err, "out of memory");
			output_failed(&ro[i], "live", &err);
			continue;
		}
		err_clear(&err);
		if (out->type->live(out, &octx, ro[i].live, &err) < 0) {
			if (!o->force) {
				output_failed(&ro[i], "reading what is live", &err);
				continue;
			}
			log_warn("output \"%s\": reading what is live: %s: --force: replacing it",
				 out->name, err.msg);
			pset_clear(ro[i].live);
		}
		if (pset_merge(ro[i].live) < 0 || !(ro[i].added = pset_new()) ||
		    !(ro[i].removed = pset_new()) ||
		    pset_diff(ro[i].live, ro[i].want, ro[i].added, ro[i].removed) < 0) {
			err_set(&err, "out of memory");
			output_failed(&ro[i], "live", &err);
			continue;
		}
		struct err held; /* why the guard holds it back */
		err_clear(&held);
		bool hold = policy_shrink(ro[i].live, ro[i].want, ro[i].removed, out->max_shrink,
					  &held) != 0;
		if (!hold && ro[i].partial && pset_total(ro[i].removed)) {
			hold = true;
			err_set(&held, "a partial source would remove %zu entries",
				cidrs(ro[i].removed));
		}
		if (o->dry_run) {
			char note[sizeof held.msg + 64] = "";
			if (hold)
				snprintf(note, sizeof note, " [held: %s%s]", held.msg,
					 o->force ? ", --force applies it" : "");
			if (print_diff(o->out, &ro[i], note) < 0) {
				err_set(&err, "%s", strerror(errno));
				output_failed(&ro[i], "diff", &err);
				continue;
			}
			ro[i].how = OUT_SKIP;
			if (hold && !o->force)
				degraded = true;
			continue;
		}
		if (hold && !o->force) {
			ro[i].how = OUT_HELD;
			degraded = true;
			log_warn("output \"%s\": held: %s: left unchanged (--force applies it)",
				 out->name, held.msg);
			continue;
		}
		if (hold)
			log_warn("output \"%s\": %s: applied anyway (--force)", out->name,
				 held.msg);
		err_clear(&err);
		if (out->type->prepare(out, &octx, ro[i].want, &ro[i].changed, &err) < 0) {
			output_failed(&ro[i], "prepare", &err);
			continue;
		}
		ro[i].how = OUT_PREPARED;
	}
	if (o->dry_run)
		goto out;

	/* Every output is prepared (validated): make them live. */
	for (size_t i = 0; i < c->n_outputs; i++) {
		struct run_output *x = &ro[i];
		if (x->how != OUT_PREPARED)
			continue;
		err_clear(&err);
		if (x->o->type->commit(x->o, &octx, &err) < 0) {
			output_failed(x, "commit", &err);
			continue;
		}
		x->how = OUT_DONE;
		x->st.applied = octx.now;
		x->st.entries = cidrs(x->want);
		state_digest(x->want, x->st.digest);
		if (x->changed) {
			x->st.changed = octx.now;
			log_notice("output \"%s\": updated: +%zu -%zu, %zu entries", x->o->name,
				   cidrs(x->added), cidrs(x->removed), x->st.entries);
		} else {
			log_info("output \"%s\": unchanged, %zu entries", x->o->name, x->st.entries);
		}
	}
	/* Hooks after every commit: one output's hook never sees another
	 * output half-way. */
	for (size_t i = 0; i < c->n_outputs; i++) {
		struct run_output *x = &ro[i];
		struct err herr;
		if (x->how != OUT_DONE || !x->o->on_change || (!x->changed && !x->st.hook_pending))
			continue;
		if (hook_run(x->o->on_change, x->o->hook_timeout, &herr) < 0) {
			x->st.hook_pending = true;
			err_prefix(&herr, "on_change");
			state_text(x->st.error, herr.msg);
			log_err("output \"%s\": %s (retried on the next run)", x->o->name,
				herr.msg);
			failed = true;
		} else {
			if (x->st.hook_pending)
				log_notice("output \"%s\": on_change succeeded on retry", x->o->name);
			x->st.hook_pending = false;
		}
	}
	for (size_t i = 0; i < c->n_outputs; i++) {
		struct err serr;
		if (ro[i].how == OUT_FAILED)
			failed = true;
		if (ro[i].how == OUT_HELD)
			snprintf(ro[i].st.error, sizeof ro[i].st.error, "held by the shrink guard");
		if (state_output_save(c->state_dir, ro[i].o->name, &ro[i].st, &serr) < 0)
			log_warn("output \"%s\": state: %s", ro[i].o->name, serr.msg);
	}
out:
	if (ro)
		for (size_t i = 0; i < c->n_outputs; i++) {
			if (ro[i].how == OUT_PREPARED)
				ro[i].o->type->abort(ro[i].o, &octx);
			if (ro[i].how == OUT_FAILED)
				failed = true;
			pset_free(ro[i].want);
			pset_free(ro[i].live);
			pset_free(ro[i].added);
			pset_free(ro[i].removed);
		}
	free(ro);
	run_sources_free(rs, c->n_sources);
	lock_release(lockfd);
	return failed ? EXIT_FAIL : degraded ? EXIT_DEGRADED : EXIT_OK;
}
