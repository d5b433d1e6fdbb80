/* cmd_run — `run [--offline] [-n] [--force]` and `diff` (= run -n). */
#include "cmd.h"

#include "log.h"
#include "run.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int
run_common(int argc, char **argv, const struct global_opts *g, bool diff)
{
	static const struct option longopts[] = {
		{"offline", no_argument, NULL, 'o'},
		{"dry-run", no_argument, NULL, 'n'},
		{"force", no_argument, NULL, 'F'},
		{NULL, 0, NULL, 0},
	};
	struct run_opts o = {.dry_run = g->dry_run || diff, .force = g->force, .out = stdout};
	struct conf *c;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+n", longopts, NULL)) != -1) {
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
		default:
			fprintf(stderr, "usage: allowsync %s\n",
				diff ? "diff [--offline] [--force]" : "run [--offline] [-n] [--force]");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "allowsync %s: unexpected argument \"%s\"\n", argv[0], argv[optind]);
		return EXIT_USAGE;
	}
	if ((rc = run_load_conf(g->config, &c)) != 0)
		return rc;
	rc = run_pipeline(c, &o);
	if (o.dry_run)
		fflush(stdout);
	conf_free(c);
	return rc;
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
