/* cmd_status — `status [--json]`: last run per source and output, from
 * the state directory, as text or as one JSON document (statusjson.h). */
#include "cmd.h"

#include "log.h"
#include "run.h"
#include "state.h"
#include "statusjson.h"
#include "plural.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
ago(time_t now, time_t t, char *buf, size_t n)
{
	char age[32];

	if (!t) {
		snprintf(buf, n, "never");
		return;
	}
	/* The clock moved back since: say so rather than "0s ago". */
	if (t > now) {
		run_format_age(t - now, age, sizeof age);
		snprintf(buf, n, "%s in the future", age);
		return;
	}
	run_format_age(now - t, age, sizeof age);
	snprintf(buf, n, "%s ago", age);
}

/* The text report: one line a source, one line an output. */
static int
print_text(const struct conf *c, time_t now)
{
	printf("state directory %s\n", c->state_dir);
	for (size_t i = 0; i < c->n_sources; i++) {
		const struct source *s = c->sources[i];
		struct status_source ss;
		char a[48], b[80];

		if (status_source_load(c->state_dir, s, now, &ss) < 0) {
			log_err("out of memory");
			return EXIT_FAIL;
		}
		ago(now, ss.st.success, a, sizeof a);
		printf("source \"%s\" (%s): last success %s", s->name, s->type->name, a);
		if (ss.set) {
			if (ss.info.when > now)
				run_format_dated(now, ss.info.when, b, sizeof b);
			else
				ago(now, ss.info.when, b, sizeof b);
			size_t n = pset_cidr_count(ss.set, PFX_V4) + pset_cidr_count(ss.set, PFX_V6);
			printf(", last good copy %s, %zu %s from %s", b, n, ENTRIES(n),
			       ss.info.origin);
			/* What a failure now would find: the copy, or why not. */
			if (ss.unusable.msg[0])
				printf(" (not served: %s)", ss.unusable.msg);
		} else {
			printf(", no last good copy");
		}
		if (ss.st.error[0]) {
			ago(now, ss.st.attempt, a, sizeof a);
			printf("; last error (%s): %s", a, ss.st.error);
		}
		if (ss.st.retry_after > now) {
			char w[32];
			run_format_age(ss.st.retry_after - now, w, sizeof w);
			printf("; next request in %s", w);
		}
		printf("\n");
		status_source_clear(&ss);
	}
	for (size_t i = 0; i < c->n_outputs; i++) {
		const struct output *o = c->outputs[i];
		struct state_output st;
		char a[48], b[48];

		state_output_load(c->state_dir, o->name, &st);
		ago(now, st.changed, a, sizeof a);
		ago(now, st.applied, b, sizeof b);
		printf("output \"%s\" (%s): last change %s, last applied %s, %zu %s", o->name,
		       o->type->name, a, b, st.entries, ENTRIES(st.entries));
		if (st.hook_pending)
			printf("; on_change pending");
		if (st.error[0])
			printf("; last error: %s", st.error);
		printf("\n");
	}
	return EXIT_OK;
}

/* The JSON report (statusjson.h), printed at once. */
static int
print_json(const struct conf *c, time_t now)
{
	cJSON *doc = statusjson_status(c, now);
	int r;

	if (!doc) {
		log_err("out of memory");
		return EXIT_FAIL;
	}
	r = statusjson_print(doc, stdout);
	cJSON_Delete(doc);
	if (r < 0) {
		log_err("status: standard output: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int
cmd_status(int argc, char **argv, const struct global_opts *g)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct conf *c;
	time_t now = time(NULL);
	bool json = false;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (ch == 'h')
			return cmd_usage(argv[0], stdout);
		if (ch != 'j')
			return cmd_usage(argv[0], stderr);
		json = true;
	}
	if (optind < argc)
		return cmd_usage(argv[0], stderr);
	if ((rc = run_load_conf(g->config, &c)) != 0)
		return rc;
	rc = json ? print_json(c, now) : print_text(c, now);
	conf_free(c);
	return rc;
}
