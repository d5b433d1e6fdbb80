/* postconf — Postfix's configuration as Postfix itself reports it.
 *
 * allowsync never parses main.cf or master.cf: it runs postconf(1)
 * (found on PATH, without a shell, with a timeout) and reads its
 * "name = value" lines.  Four views, each one run:
 *
 *   postconf -n -x   main.cf's settings, $name expansions resolved by
 *                    Postfix (what the daemons use)
 *   postconf -n      the same as written (to say which $name led where)
 *   postconf -P -x   master.cf's -o overrides, "service/type/name"
 *   postconf -P      (as written)
 *
 * Parameters left at their defaults are not read: no default names a
 * table of allowsync's.  A Postfix without -P (before 2.11) gives no
 * master views; that is noted, not an error.
 *
 * The configuration directory is `postconf -c DIR` when one is given;
 * callers pass the output's postfix_config_dir, else $MAIL_CONFIG (as
 * Postfix's own commands honour it), else none (Postfix's default).
 */
#ifndef ALLOWSYNC_POSTCONF_H
#define ALLOWSYNC_POSTCONF_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

/* postconf's answer is bounded in time and size. */
#define POSTCONF_TIMEOUT 30
#define POSTCONF_MAX_OUTPUT (8u << 20)

struct postconf_param {
	const char *name;  /* "mynetworks", or "submission/inet/mynetworks" */
	const char *value; /* "" when set empty */
};

/* One view: the parameters in postconf's order (it sorts them). */
struct postconf_map {
	struct postconf_param *v;
	size_t n;
	char *text; /* the output the entries point into */
};

struct postconf {
	char *dir;                      /* -c DIR, or NULL */
	struct postconf_map main;       /* postconf -n -x */
	struct postconf_map main_raw;   /* postconf -n */
	struct postconf_map master;     /* postconf -P -x (empty without -P) */
	struct postconf_map master_raw; /* postconf -P */
	bool no_master;                 /* -P failed: master.cf not read */
	struct err master_err;          /* why, when no_master */
};

/* Parse postconf's output `text` (len bytes, NUL-terminated, malloc'd;
 * the map takes it, also on failure).  0, or -1 with err naming the
 * line that is not "name = value". */
int postconf_parse(char *text, size_t len, struct postconf_map *m, struct err *err);
/* The value of `name`, or NULL when the view does not set it. */
const char *postconf_get(const struct postconf_map *m, const char *name);
void postconf_map_free(struct postconf_map *m);

/* The postconf program on $PATH (empty entries, which would mean the
 * working directory, are skipped): malloc'd, or NULL when there is none. */
char *postconf_which(void);

/* Read the four views of the configuration in `dir` (NULL: postconf's
 * default).  0 with *pc filled (postconf_free it); 1 when postconf is not
 * on PATH (Postfix not installed); -1 with err when postconf cannot run
 * or fails ("postconf -c /x -n -x: /usr/sbin/postconf exited with status
 * 1: postconf: fatal: open /x/main.cf: No such file or directory"). */
int postconf_load(const char *dir, struct postconf *pc, struct err *err);
void postconf_free(struct postconf *pc);

#endif
