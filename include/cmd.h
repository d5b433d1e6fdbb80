/* cmd — the subcommands main.c dispatches to.
 *
 * main.c parses the global options and picks the command; each command
 * lives in its own src/cmd_*.c, parses its own arguments and returns one
 * of the exit codes below, which main returns unchanged.
 */
#ifndef ALLOWSYNC_CMD_H
#define ALLOWSYNC_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum exit_code {
	EXIT_OK = 0,        /* every output current, changed or not */
	EXIT_FAIL = 1,      /* at least one output could not be brought up to date */
	EXIT_USAGE = 2,     /* usage or configuration error, nothing touched */
	EXIT_DEGRADED = 3,  /* applied, but a source was stale or held back */
	EXIT_LOCKED = 4,    /* another run holds the lock */
};

/* Global options, parsed by main before the command name. */
struct global_opts {
	const char *config;  /* -c FILE; NULL = the default path */
	bool dry_run;        /* -n */
	bool force;          /* --force */
	int verbosity;       /* -1 quiet, 0 normal, 1.. verbose */
};

#define ALLOWSYNC_DEFAULT_CONFIG ALLOWSYNC_SYSCONFDIR "/allowsync/allowsync.conf"

/* argv[0] is the command name; the command parses what follows. */
int cmd_aggregate(int argc, char **argv, const struct global_opts *g);
int cmd_run(int argc, char **argv, const struct global_opts *g);
int cmd_diff(int argc, char **argv, const struct global_opts *g);
int cmd_check(int argc, char **argv, const struct global_opts *g);
int cmd_show(int argc, char **argv, const struct global_opts *g);
int cmd_why(int argc, char **argv, const struct global_opts *g);
int cmd_status(int argc, char **argv, const struct global_opts *g);
int cmd_keygen(int argc, char **argv, const struct global_opts *g);
int cmd_publish(int argc, char **argv, const struct global_opts *g);
int cmd_spf(int argc, char **argv, const struct global_opts *g);
int cmd_presets(int argc, char **argv, const struct global_opts *g);
int cmd_triage(int argc, char **argv, const struct global_opts *g);
int cmd_help(int argc, char **argv, const struct global_opts *g);

/* The command table (src/cmd_help.c): the one place a command's name,
 * synopsis (as in allowsync(8); forms split by '\n') and summary live. */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv, const struct global_opts *g);
	const char *synopsis;
	const char *summary;
};
extern const struct command cmd_table[];
extern const size_t cmd_count;

/* The entry named name, or NULL. */
const struct command *cmd_find(const char *name);
/* Print name's usage: to stdout with its summary (-h/--help, returns
 * EXIT_OK) or to stderr alone (a usage error, returns EXIT_USAGE). */
int cmd_usage(const char *name, FILE *f);
/* The global usage line and every command with its summary. */
void cmd_list(FILE *f);

#endif
