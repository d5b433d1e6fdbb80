/* cmd_show — `show [--fetch] [OUTPUT]`: what an output would contain,
 * from the last good copies (or freshly collected with --fetch; nothing
 * is written either way). */
#include "cmd.h"

#include "log.h"
#include "run.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int
cmd_show(int argc, char **argv, const struct global_opts *g)
{
	static const struct option longopts[] = {
		{"fetch", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	struct run_opts o = {.out = stdout};
	struct run_source *rs = NULL;
	struct conf *c;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (ch != 'f') {
			fprintf(stderr, "usage: allowsync show [--fetch] [OUTPUT]\n");
			return EXIT_USAGE;
		}
		o.fetch = true;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "usage: allowsync show [--fetch] [OUTPUT]\n");
		return EXIT_USAGE;
	}
	if ((rc = run_load_conf(g->config, &c)) != 0)
		return rc;
	const char *only = optind < argc ? argv[optind] : NULL;
	if (only && !conf_find_output(c, only)) {
		log_err("show: no output \"%s\" in %s", only, c->path);
		conf_free(c);
		return EXIT_USAGE;
	}
	if (!(rs = run_gather(c, &o))) {
		log_err("out of memory");
		conf_free(c);
		return EXIT_FAIL;
	}
	rc = EXIT_OK;
	for (size_t i = 0; i < c->n_outputs; i++) {
		struct output *out = c->outputs[i];
		struct err err;
		if (only && strcmp(only, out->name) != 0)
			continue;
		struct pset *want = run_want(out, c, rs, &err);
		if (!want) {
			log_err("output \"%s\": %s: cannot show it", out->name, err.msg);
			rc = EXIT_FAIL;
			continue;
		}
		if (!only)
			printf("==> output \"%s\" (%s) <==\n", out->name, out->type->name);
		if (out->type->render(out, want, stdout) < 0) {
			log_err("output \"%s\": cannot render", out->name);
			rc = EXIT_FAIL;
		}
		pset_free(want);
	}
	fflush(stdout);
	run_sources_free(rs, c->n_sources);
	conf_free(c);
	return rc;
}
