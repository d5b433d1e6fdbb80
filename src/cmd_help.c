/* cmd_help — the command table: each command's name, function, synopsis
 * and summary, in one place, so that `allowsync --help`, `allowsync help
 * [CMD]` and every command's -h/--help print the same text as the man
 * page's SYNOPSIS (keep the two in step). */
#include "cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* Synopses follow allowsync(8)'s SYNOPSIS; a command with two forms has
 * two lines. */
const struct command cmd_table[] = {
	{"run", cmd_run, "run [--offline] [-n] [--force] [--splay DURATION]",
	 "collect the sources and bring every output up to date (the default)"},
	{"check", cmd_check, "check [--names]",
	 "check the configuration; nothing is fetched or touched"},
	{"diff", cmd_diff, "diff [--offline] [--force] [--json]",
	 "what run would change, without changing anything"},
	{"show", cmd_show, "show [--fetch] [OUTPUT]\nshow OUTPUT --postfix",
	 "what each output would contain; the main.cf lines for a postfix output"},
	{"why", cmd_why, "why [--fetch] ADDRESS",
	 "which sources and outputs hold an address (exit 1: no output does)"},
	{"status", cmd_status, "status [--json]",
	 "each source's and output's last success, size and error"},
	{"aggregate", cmd_aggregate, "aggregate [-4|-6] [--ranges] [--except FILE]... [FILE...]",
	 "merge address lists into the fewest CIDR blocks"},
	{"publish", cmd_publish, "publish",
	 "build and sign the publisher's range documents"},
	{"keygen", cmd_keygen, "keygen -p PUBFILE -s SECFILE",
	 "write a minisign key pair for publish"},
	{"presets", cmd_presets, "presets [--names] [--file PATH]",
	 "list the built-in source presets"},
	{"triage", cmd_triage, "triage [--json] [--offline] [--no-presets] [FILE...]",
	 "which source or preset covers the clients a Postfix log shows refused"},
	{"spf", cmd_spf,
	 "spf [-s SERVERS] [--partial] [--max-lookups N] [--timeout SECONDS]"
	 " [--check ADDRESS]... [--stats] DOMAIN",
	 "expand a domain's SPF record into its address ranges"},
	{"help", cmd_help, "help [COMMAND]", "this list, or one command's usage"},
};
const size_t cmd_count = sizeof cmd_table / sizeof cmd_table[0];

const struct command *
cmd_find(const char *name)
{
	for (size_t i = 0; i < cmd_count; i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

/* One "usage:" line per form, each prefixed with "allowsync ". */
static void
print_synopsis(FILE *f, const char *lead, const char *syn)
{
	const char *p = syn;

	for (;;) {
		size_t n = strcspn(p, "\n");
		fprintf(f, "%s allowsync %.*s\n", lead, (int)n, p);
		if (!p[n])
			break;
		p += n + 1;
		lead = "      ";
	}
}

int
cmd_usage(const char *name, FILE *f)
{
	const struct command *c = cmd_find(name);

	if (c) {
		print_synopsis(f, "usage:", c->synopsis);
		if (f == stdout)
			printf("%s.\n", c->summary);
	}
	return f == stdout ? EXIT_OK : EXIT_USAGE;
}

void
cmd_list(FILE *f)
{
	fprintf(f, "usage: allowsync [-c FILE] [-n] [-v|-q] [--force] COMMAND [ARGS]\n"
		   "       allowsync -V | --version ; allowsync -h | --help\n"
		   "commands:\n");
	for (size_t i = 0; i < cmd_count; i++)
		fprintf(f, "  %-10s %s\n", cmd_table[i].name, cmd_table[i].summary);
	fprintf(f, "`allowsync help COMMAND` or `allowsync COMMAND --help` shows its usage.\n");
}

int
cmd_help(int argc, char **argv, const struct global_opts *g)
{
	static const struct option longopts[] = {
		{"names", no_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool names = false;
	int ch;

	(void)g;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (ch == 'N')
			names = true;
		else if (ch == 'h')
			return cmd_usage(argv[0], stdout);
		else
			return cmd_usage(argv[0], stderr);
	}
	if (argc - optind > 1 || (names && optind < argc))
		return cmd_usage(argv[0], stderr);
	/* --names: the command names, one a line, for the shell completion. */
	if (names) {
		for (size_t i = 0; i < cmd_count; i++)
			puts(cmd_table[i].name);
		return EXIT_OK;
	}
	if (optind == argc) {
		cmd_list(stdout);
		return EXIT_OK;
	}
	if (!cmd_find(argv[optind])) {
		fprintf(stderr, "allowsync help: unknown command \"%s\"\n", argv[optind]);
		cmd_list(stderr);
		return EXIT_USAGE;
	}
	return cmd_usage(argv[optind], stdout);
}
