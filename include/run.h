/* run — the pipeline: sources → policy → per-output union minus exclude →
 * outputs (prepare all, then commit all) → state, hooks.
 *
 * A source that fails (or whose result the policy refuses) serves its
 * last good copy while younger than max_stale (the run is degraded);
 * with none, every output using it fails and is left as it is, the
 * others proceed.  Exit codes as in cmd.h.
 *
 * A run that applies (not diff, not --offline) ends by writing
 * [global] metrics_file (metrics.h), whatever its exit code, also when
 * the state directory is unusable (then with the run's series only);
 * not when another run holds the lock (that one writes it). */
#ifndef ALLOWSYNC_RUN_H
#define ALLOWSYNC_RUN_H

#include "conf.h"
#include "err.h"
#include "state.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

struct run_opts {
	bool offline; /* no collecting: the last good copies only */
	bool dry_run; /* diff: print +/- per output to `out`; write nothing, no hooks */
	bool force;   /* apply past the shrink guard */
	/* Gather only (show, why): take the last good copies unless `fetch`,
	 * never write state, never lock. */
	bool fetch;
	FILE *out;
	/* diff --json: each output's plan goes into this document
	 * (statusjson_diff_add) instead of to `out`. */
	struct cJSON *json;
};

enum run_src_how {
	RUN_SRC_FRESH,   /* collected now (or confirmed unchanged) */
	RUN_SRC_STORED,  /* last good copy, by choice (offline, show, why) */
	RUN_SRC_STALE,   /* last good copy, because collecting failed: degraded */
	RUN_SRC_FAILED,  /* nothing usable */
};

struct run_source {
	struct source *src;
	struct pset *set; /* merged; NULL when failed */
	enum run_src_how how;
	bool partial;
	time_t when;      /* when the set was obtained */
	struct err error; /* why there is no set (RUN_SRC_FAILED) */
	time_t last_success;   /* the last successful collect (state), 0 = never */
	time_t degraded_since; /* stale since (state_source.degraded_since), 0 = not */
};

/* Load the configuration of -c (or the default) and check its [publish]
 * (publish_conf_check): 0, or EXIT_USAGE after printing "FILE:LINE:
 * reason" (then *c is NULL). */
int run_load_conf(const char *path, struct conf **c);

/* The whole run (run, run --offline, diff).  Returns an exit code. */
int run_pipeline(struct conf *c, const struct run_opts *o);

/* Gather the sets of all sources for show/why (see run_opts.fetch).
 * Returns an array of c->n_sources (free with run_sources_free). */
struct run_source *run_gather(struct conf *c, const struct run_opts *o);
void run_sources_free(struct run_source *rs, size_t n);

/* What an output would hold: union of its sources minus exclude,
 * merged.  NULL with err when a source has nothing usable. */
struct pset *run_want(const struct output *o, const struct conf *c, const struct run_source *rs,
		      struct err *err);

/* "3h12m", "41s", "2d3h": a duration for messages. */
void run_format_age(time_t secs, char *buf, size_t n);
/* How old something obtained at `when` is: "3h12m old", or "dated 2h00m
 * in the future" when the clock has moved back since. */
void run_format_dated(time_t now, time_t when, char *buf, size_t n);

/* Whether source rs, served from its last good copy (RUN_SRC_STALE)
 * since rs->degraded_since, has been so for longer than its
 * max_degraded (0: no limit): the run then fails (exit 1 instead of 3,
 * so that the unit's OnFailure= fires).  true with why: "served from
 * its last good copy for 3d02h, longer than max_degraded 3d00h". */
bool run_degraded_too_long(const struct run_source *rs, time_t now, struct err *why);

/* A last good copy dated up to this far in the future counts as new. */
#define RUN_CLOCK_SLACK 300

/* Whether a last good copy described by `info` may serve source `s` now:
 * it must come from the origin configured now (its fingerprint, see
 * source.h; none, from an older allowsync, is an unknown origin) and,
 * with check_age, be younger than max_stale and not dated beyond
 * RUN_CLOCK_SLACK in the future (its age unknown).  0, or -1 with err
 * ("origin changed (path): no last good copy for it"). */
int run_stored_usable(const struct source *s, const struct state_list_info *info, time_t now,
		      bool check_age, struct err *err);

#endif
