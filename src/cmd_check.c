/* cmd_check — validate the configuration only (nothing fetched or touched). */
#include "cmd.h"

#include "run.h"

#include <stdio.h>

int
cmd_check(int argc, char **argv, const struct global_opts *g)
{
	struct conf *c;
	int rc;

	if (argc > 1) {
		fprintf(stderr, "usage: allowsync check\n");
		return EXIT_USAGE;
	}
	(void)argv;
	if ((rc = run_load_conf(g->config, &c)) != 0)
		return rc;
	if (g->verbosity >= 0)
		printf("%s: OK: %zu source%s, %zu output%s\n", c->path, c->n_sources,
		       c->n_sources == 1 ? "" : "s", c->n_outputs, c->n_outputs == 1 ? "" : "s");
	conf_free(c);
	return EXIT_OK;
}
