/* cmd_run — `run [--offline] [-n] [--force] [--splay DURATION]` and
 * `diff [--json]` (= run -n). */
#include "cmd.h"

#include "log.h"
#include "run.h"
#include "splay.h"
#include "statusjson.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* diff --json: the plans, printed once the run is over; not when it
 * never got to plan every output (locked, no state directory to be had:
 * its message on stderr says so). */
static int
diff_json(struct conf *c, struct run_opts *o)
{
	cJSON *doc = statusjson_diff_new();
	int rc;

	if (!doc) {
		log_err("out of memory");
		return EXIT_FAIL;
	}
	o->json = doc;
	rc = run_pipeline(c, o);
	if (rc != EXIT_LOCKED &&
	    (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "outputs")) ==
		    c->n_outputs &&
	    statusjson_print(doc, stdout) < 0) {
		log_err("diff: standard output: %s", strerror(errno));
		rc = EXIT_FAIL;
	}
	cJSON_Delete(doc);
	return rc;
}

/* The random wait of a run that collects and applies (splay.h): not of
 * diff, -n or --offline, which reach no publisher or are looked at by
 * someone waiting.  Before run_pipeline, so before the lock. */
static void
maybe_splay(const struct run_opts *o, uint64_t max)
{
	if (o->dry_run || o->offline || max == 0)
		return;
	uint64_t secs = splay_choose(max);
	/* Seconds both: the exact delay, for whoever checks the spread.  At
	 * -v only (cron mails what a quiet run prints), but said to someone
	 * at a terminal, who would otherwise wait without knowing why. */
	log_msg(isatty(STDERR_FILENO) ? LOG_LVL_NOTICE : LOG_LVL_INFO,
		"run: splay: waiting %llus of up to %llus before collecting%s",
		(unsigned long long)secs, (unsigned long long)max,
		isatty(STDERR_FILENO) ? " (--splay 0: no wait)" : "");
	splay_sleep(secs);
}

static int
run_common(int argc, char **argv, const struct global_opts *g, bool diff)
{
	static const struct option longopts[] = {
		{"offline", no_argument, NULL, 'o'},
		{"dry-run", no_argument, NULL, 'n'},
		{"force", no_argument, NULL, 'F'},
		{"json", no_argument, NULL, 'j'},
		{"splay", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct run_opts o = {.dry_run = g->dry_run || diff, .force = g->force, .out = stdout};
	struct conf *c;
	bool json = false, splay_given = false;
	uint64_t splay = 0;
	const char *why;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+nh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			o.offline = true;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'F':
			o.force = true;
			break;
		case 'j':
			json = true;
			break;
		case 's':
			if ((why = splay_parse(optarg, &splay))) {
				fprintf(stderr, "allowsync %s: --splay %s: %s\n", argv[0], optarg, why);
				return EXIT_USAGE;
			}
			splay_given = true;
			break;
		case 'h':
			return cmd_usage(argv[0], stdout);
		default:
			goto usage;
		}
	}
	if ((json && !diff) || (splay_given && diff))
		goto usage;
	if (optind < argc) {
		fprintf(stderr, "allowsync %s: unexpected argument \"%s\"\n", argv[0], argv[optind]);
		return EXIT_USAGE;
	}
	if ((rc = run_load_conf(g->config, &c)) != 0)
		return rc;
	/* --splay 0 switches the key off for this run. */
	maybe_splay(&o, splay_given ? splay : c->splay);
	rc = json ? diff_json(c, &o) : run_pipeline(c, &o);
	if (o.dry_run)
		fflush(stdout);
	conf_free(c);
	return rc;
usage:
	return cmd_usage(argv[0], stderr);
}

int
cmd_run(int argc, char **argv, const struct global_opts *g)
{
	return run_common(argc, argv, g, false);
}

int
cmd_diff(int argc, char **argv, const struct global_opts *g)
{
	return run_common(argc, argv, g, true);
}
