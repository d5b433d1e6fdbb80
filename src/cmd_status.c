/* cmd_status — last run per source and output, from the state directory. */
#include "cmd.h"

#include "run.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
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

int
cmd_status(int argc, char **argv, const struct global_opts *g)
{
	struct conf *c;
	time_t now = time(NULL);
	int rc;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: allowsync status\n");
		return EXIT_USAGE;
	}
	if ((rc = run_load_conf(g->config, &c)) != 0)
		return rc;
	printf("state directory %s\n", c->state_dir);
	for (size_t i = 0; i < c->n_sources; i++) {
		const struct source *s = c->sources[i];
		struct state_source st;
		struct pset *set = NULL;
		struct state_list_info info;
		struct err why;
		char a[48], b[80];

		state_source_load(c->state_dir, s->name, &st);
		int r = state_list_load(c->state_dir, s->name, &set, &info);
		ago(now, st.success, a, sizeof a);
		printf("source \"%s\" (%s): last success %s", s->name, s->type->name, a);
		if (r == 0) {
			if (info.when > now)
				run_format_dated(now, info.when, b, sizeof b);
			else
				ago(now, info.when, b, sizeof b);
			printf(", last good copy %s, %zu entries from %s", b,
			       pset_cidr_count(set, PFX_V4) + pset_cidr_count(set, PFX_V6),
			       info.origin);
			/* What a failure now would find: the copy, or why not. */
			if (run_stored_usable(s, &info, now, true, &why) < 0)
				printf(" (not served: %s)", why.msg);
		} else {
			printf(", no last good copy");
		}
		if (st.error[0]) {
			ago(now, st.attempt, a, sizeof a);
			printf("; last error (%s): %s", a, st.error);
		}
		if (st.retry_after > now) {
			char w[32];
			run_format_age(st.retry_after - now, w, sizeof w);
			printf("; next request in %s", w);
		}
		printf("\n");
		pset_free(set);
	}
	for (size_t i = 0; i < c->n_outputs; i++) {
		const struct output *o = c->outputs[i];
		struct state_output st;
		char a[48], b[48];

		state_output_load(c->state_dir, o->name, &st);
		ago(now, st.changed, a, sizeof a);
		ago(now, st.applied, b, sizeof b);
		printf("output \"%s\" (%s): last change %s, last applied %s, %zu entries", o->name,
		       o->type->name, a, b, st.entries);
		if (st.hook_pending)
			printf("; on_change pending");
		if (st.error[0])
			printf("; last error: %s", st.error);
		printf("\n");
	}
	conf_free(c);
	return EXIT_OK;
}
