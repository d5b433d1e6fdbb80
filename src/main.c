/* allowsync — keep mail allowlists in step with what relays publish.
 *
 * main only parses the global options, picks the command and maps its
 * result to the exit code; all work happens in the cmd_* modules.
 */
#include "cmd.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, const struct global_opts *g);
	const char *usage;
};

static const struct command commands[] = {
	{"run", cmd_run, "run [--offline] [-n] [--force]"},
	{"check", cmd_check, "check"},
	{"diff", cmd_diff, "diff [--offline] [--force]"},
	{"show", cmd_show, "show [--fetch] [OUTPUT]"},
	{"why", cmd_why, "why [--fetch] ADDRESS"},
	{"status", cmd_status, "status"},
	{"aggregate", cmd_aggregate,
	 "aggregate [-4|-6] [--ranges] [--except FILE]... [FILE...]"},
	{"keygen", cmd_keygen, "keygen -p PUBFILE -s SECFILE"},
	{"publish", cmd_publish, "publish"},
	{"spf", cmd_spf, "spf [-s SERVERS] [--partial] [--check ADDRESS]... DOMAIN"},
	{"presets", cmd_presets, "presets [--names] [--file PATH]"},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: allowsync [-c FILE] [-n] [-v|-q] [--force] COMMAND [ARGS]\n"
		   "       allowsync -V | --version ; allowsync -h | --help\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  allowsync %s\n", commands[i].usage);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"dry-run", no_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"force", no_argument, NULL, 'F'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct global_opts g = {0};
	int c;

	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+c:nvqVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g.config = optarg;
			break;
		case 'n':
			g.dry_run = true;
			break;
		case 'v':
			g.verbosity++;
			break;
		case 'q':
			g.verbosity = -1;
			break;
		case 'F':
			g.force = true;
			break;
		case 'V':
			printf("allowsync %s\n", ALLOWSYNC_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	log_init(g.verbosity < 0 ? LOG_LVL_WARN
				 : g.verbosity == 0 ? LOG_LVL_NOTICE
				 : g.verbosity == 1 ? LOG_LVL_INFO : LOG_LVL_DEBUG);

	const char *name = optind < argc ? argv[optind] : "run";
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			char cmdname[32];
			snprintf(cmdname, sizeof cmdname, "%s", commands[i].name);
			char *none[] = {cmdname, NULL};
			/* Commands see their own argv with getopt reset. */
			if (optind >= argc)
				return commands[i].fn(1, none, &g);
			int cargc = argc - optind;
			char **cargv = argv + optind;
			optind = 0;
			return commands[i].fn(cargc, cargv, &g);
		}
	}
	fprintf(stderr, "allowsync: unknown command \"%s\"\n", name);
	usage(stderr);
	return EXIT_USAGE;
}
