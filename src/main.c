/* allowsync — keep mail allowlists in step with what relays publish.
 *
 * main only parses the global options, picks the command and maps its
 * result to the exit code; all work happens in the cmd_* modules, and the
 * command table (names, synopses) is src/cmd_help.c's.
 */
#include "cmd.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>

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
			cmd_list(stdout);
			return EXIT_OK;
		default:
			cmd_list(stderr);
			return EXIT_USAGE;
		}
	}
	log_init(g.verbosity < 0 ? LOG_LVL_WARN
				 : g.verbosity == 0 ? LOG_LVL_NOTICE
				 : g.verbosity == 1 ? LOG_LVL_INFO : LOG_LVL_DEBUG);

	const char *name = optind < argc ? argv[optind] : "run";
	const struct command *cmd = cmd_find(name);
	if (!cmd) {
		fprintf(stderr, "allowsync: unknown command \"%s\"\n", name);
		cmd_list(stderr);
		return EXIT_USAGE;
	}
	char cmdname[32];
	snprintf(cmdname, sizeof cmdname, "%s", cmd->name);
	char *none[] = {cmdname, NULL};
	/* Commands see their own argv with getopt reset. */
	if (optind >= argc)
		return cmd->fn(1, none, &g);
	int cargc = argc - optind;
	char **cargv = argv + optind;
	optind = 0;
	return cmd->fn(cargc, cargv, &g);
}
