/* hook — the `on_change` commands: split into argv without a shell,
 * spawned with posix_spawn, bounded by a timeout; and, the same way,
 * programs allowsync asks something (postconf). */
#ifndef ALLOWSYNC_HOOK_H
#define ALLOWSYNC_HOOK_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* Split a command line into a NULL-terminated argv (free with
 * hook_argv_free).  Words are separated by blanks; '…' quotes literally,
 * "…" quotes with \" and \\ escapes, a backslash outside quotes escapes
 * the next character.  No variables, globs or redirections.  NULL with
 * err set on an unterminated quote or an empty command (or ENOMEM). */
char **hook_split(const char *cmd, struct err *err);
void hook_argv_free(char **argv);

/* Run argv[0] (PATH is searched when it has no slash) with stdin from
 * /dev/null, in its own process group, and wait at most `timeout`
 * seconds; then the group gets SIGTERM, and SIGKILL 2 s later.
 * 0 when it exited with status 0, else -1 with err saying why
 * ("exited with status 3", "killed by signal 9", "timed out after 60s",
 * "cannot run: No such file or directory"). */
int hook_run(char *const argv[], uint64_t timeout, struct err *err);

/* The same, for a program whose answer is what it prints (postconf),
 * `file` run with argv (argv[0] names it in messages, as the program
 * names itself in its own): its standard output collected into *out (malloc'd, NUL-terminated,
 * *outlen bytes, at most `max`), its standard error kept for the reason
 * only.  0, or -1 with err as hook_run's, followed by the last line the
 * program wrote to stderr ("... exited with status 1: postconf: fatal:
 * open /x/main.cf: No such file or directory"); then *out is NULL. */
int hook_capture(const char *file, char *const argv[], uint64_t timeout, size_t max, char **out,
		 size_t *outlen, struct err *err);

#endif
