/* statusjson — what `status` and `diff` report, as data: the documents of
 * `status --json` and `diff --json`, built as cJSON trees that the
 * commands print once (statusjson_print).
 *
 * The field names, their types and their meanings are a contract with
 * whoever monitors allowsync; allowsync(8) lists each under JSON OUTPUT.
 * Every field is always present: an unknown value is null, never a
 * missing key, so that the field set of an element does not depend on
 * what happened to it.  Times are RFC 3339 strings in UTC
 * ("2026-11-27T08:30:00Z"); integers are written exactly, address counts
 * too (an IPv6 count may pass 2^53, where a parser into doubles rounds).
 * Texts from the state directory (origins, errors) go through
 * url_redact_text once more: a state file of an allowsync that kept a
 * token there does not show it either.
 */
#ifndef ALLOWSYNC_STATUSJSON_H
#define ALLOWSYNC_STATUSJSON_H

#include "conf.h"
#include "err.h"
#include "output.h"
#include "pset.h"
#include "source.h"
#include "state.h"

#include <cjson/cJSON.h>

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* The building blocks, for every command that prints JSON:
 * obj[key] = item and arr[] = item, false (item freed) when either
 * could not be had, so a chain of them fails whole; an integer as its
 * decimal digits, exact where a double is not. */
bool statusjson_put(cJSON *obj, const char *key, cJSON *item);
bool statusjson_append(cJSON *arr, cJSON *item);
cJSON *statusjson_integer(long long v);

/* What the state directory holds about one source, as `status` reports
 * it (text or JSON). */
struct status_source {
	const struct source *src;
	struct state_source st;      /* error redacted */
	struct pset *set;            /* the last good copy, NULL = none */
	struct state_list_info info; /* set's (origin redacted) */
	/* Why a failure now would not be served the copy (run_stored_usable;
	 * "no last good copy" when there is none); "" = it would. */
	struct err unusable;
};

/* Load it as of `now`: 0, or -1 on ENOMEM.  status_source_clear frees
 * what it holds (a cleared or zeroed one: a no-op). */
int status_source_load(const char *state_dir, const struct source *s, time_t now,
		       struct status_source *ss);
void status_source_clear(struct status_source *ss);

/* The elements of the status document, NULL on ENOMEM. */
cJSON *statusjson_source(const struct status_source *ss, time_t now);
cJSON *statusjson_output(const struct output *o, const struct state_output *st);
cJSON *statusjson_run(const struct state_run *run);

/* The whole `status --json` document: the last run, every source and
 * every output of c, from c's state directory as of `now`.  NULL on
 * ENOMEM. */
cJSON *statusjson_status(const struct conf *c, time_t now);

/* One output's plan in `diff`: what it holds now (live), what it would
 * hold (want) and the difference both ways, all merged; or why there is
 * no plan (error, the sets NULL). */
struct statusjson_plan {
	const struct output *o;
	const struct pset *live, *want, *added, *removed;
	const char *held;  /* why a gate holds the change, NULL = none */
	const char *error; /* the output failed, NULL = planned */
};

/* {"outputs": []}, for statusjson_diff_add; NULL on ENOMEM. */
cJSON *statusjson_diff_new(void);
/* The plan appended to doc's outputs: 0, or -1 with errno ENOMEM (doc
 * then lacks it). */
int statusjson_diff_add(cJSON *doc, const struct statusjson_plan *p);

/* doc on one line, then a newline, flushed: 0, or -1 (errno set). */
int statusjson_print(const cJSON *doc, FILE *f);

#endif
