/* metrics — a run's figures as a Prometheus text file, for
 * node_exporter's textfile collector (`[global] metrics_file`).
 *
 * The text exposition format (version 0.0.4): every metric family has
 * its "# HELP" and "# TYPE" lines, even with no sample (a configuration
 * without outputs still describes the output families); label values are
 * escaped (backslash, double quote, newline).  Every family is a gauge
 * named allowsync_…, labelled source="NAME" or output="NAME" (and
 * family="ipv4"/"ipv6" for address counts).  The families come in a
 * fixed order and the samples of each in the order given (the
 * configuration's): an unchanged run gives the same bytes but for the
 * run's time and duration.
 *
 * The caller (run.c) says what the run found; this module knows nothing
 * of the pipeline, only the format and the file. */
#ifndef ALLOWSYNC_METRICS_H
#define ALLOWSYNC_METRICS_H

#include "err.h"
#include "pfx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* What a source serves or an output holds, once merged. */
struct metrics_count {
	size_t entries;       /* CIDRs of the minimal cover, both families */
	bool addresses_known; /* false: the address series are left out */
	u128 addresses[2];    /* IPv4, IPv6 */
};

struct metrics_source {
	const char *name;
	time_t last_success;   /* last successful collect, 0 = never */
	time_t degraded_since; /* served from its last good copy since, 0 = not */
	bool last_good;        /* this run served its last good copy */
	struct metrics_count count;
};

struct metrics_output {
	const char *name;
	time_t last_success; /* last brought up to date, 0 = never */
	bool held;           /* a gate held this run's change back */
	bool hook_pending;   /* on_change failed, retried on the next run */
	struct metrics_count count;
};

struct metrics_run {
	time_t when;     /* the run's start */
	double duration; /* seconds */
	int exit_code;
	const struct metrics_source *sources;
	size_t n_sources;
	const struct metrics_output *outputs;
	size_t n_outputs;
};

/* The text file for `m` on f.  0, or -1 with errno. */
int metrics_render(const struct metrics_run *m, FILE *f);

/* Render and replace `path` atomically (atomicfile: a temporary file
 * in the same directory, whose name node_exporter does not read, then
 * rename; ordered, so a power loss leaves the old or the new file).
 * 0, or -1 with err. */
int metrics_write(const char *path, const struct metrics_run *m, struct err *err);

#endif
