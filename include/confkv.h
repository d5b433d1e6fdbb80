/* confkv — the configuration file as written: its sections, each a list
 * of keys with their values and the lines they came from.
 *
 * The configuration is read in three layers, one module each:
 *
 *   confkv   text → sections (libinih); where each value is, which keys
 *            a section may hold, and "FILE:LINE: reason" about them.
 *            It knows nothing of what a value means.
 *   confval  value → number, duration, size, boolean, words, prefixes
 *            (confval.h), with the refusals reported through confkv.
 *   conf     sections → the typed configuration: [global], sources,
 *            outputs, presets (conf.h).
 *
 * Source and output types (src_*.c, out_*.c, docformat, publish…) read
 * their own keys with confkv and confval only: they never need conf,
 * which builds them, so the include graph has no circle.
 *
 * Line syntax is libinih's: `key = value` (or `key: value`), `;` or `#`
 * starts a comment line, ` ;` starts an inline comment, an indented line
 * continues the previous key (it counts as a repetition of that key).
 * Lines longer than libinih's fixed buffer are passed through intact.
 * Section headers: `[global]`, `[publish]` (no name), `[source NAME]`,
 * `[output NAME]`; NAME: letters, digits, '.', '_', '-' (not first
 * '.'), at most 64.  A section given twice is refused.
 */
#ifndef ALLOWSYNC_CONFKV_H
#define ALLOWSYNC_CONFKV_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

enum conf_kind { CONF_GLOBAL, CONF_SOURCE, CONF_OUTPUT, CONF_PUBLISH };

/* One key with all its values (a key given several times keeps every
 * value, in order; whether that is allowed is the key's flag).  A line
 * is 0 for a value that does not come from the file (a preset's). */
struct conf_kv {
	char *key;
	char **values;
	unsigned *lines;
	size_t n;
};

struct conf_section {
	enum conf_kind kind;
	char *name;         /* NAME of [source NAME]; NULL for global/publish */
	const char *file;   /* the file it was read from (not owned) */
	unsigned line;      /* line of the [section] header */
	struct conf_kv *kv; /* in order of first appearance */
	size_t n_kv;
};

/* Read `file` into its sections, in file order.  The sections point at
 * `file`, which must outlive them.  With `owner_check`, a file not owned
 * by root or writable by group or others is refused (for a program
 * running as root), and so is the file's directory (that of the path
 * given and that of the file a symlink leads to) under the same rule.  0 with *secs and *n_secs set, or -1 with err
 * holding "FILE:LINE: reason" (or "FILE: reason"). */
int confkv_read(const char *file, bool owner_check, struct conf_section ***secs, size_t *n_secs,
		struct err *err);
/* Why a program running as root must not trust the file or directory
 * `st` describes: "not owned by root" or "writable by group or others"
 * (a sticky directory too: anyone may create a name in it), or NULL.
 * The refusal reads "refusing a WHAT WHY (" CONF_OWNER_RULE ")". */
const char *conf_unsafe_owner(const struct stat *st);
#define CONF_OWNER_RULE \
	"running as root: it must be owned by root and not writable by group or others"

/* Free `n` sections and the array holding them (NULL is a no-op). */
void confkv_free(struct conf_section **secs, size_t n);

/* Add one value of `key` to `sec`, after those it has (line 0: not from
 * sec's file).  0, or -1 when out of memory. */
int confkv_add(struct conf_section *sec, const char *key, const char *value, unsigned line);

/* Last value of `key`, or NULL when absent. */
const char *conf_get(const struct conf_section *sec, const char *key);
/* All values of `key` in order; *values points into the section.
 * Returns the count (0 and *values = NULL when absent). */
size_t conf_get_all(const struct conf_section *sec, const char *key,
		    const char *const **values);
/* The key with every value and its line, or NULL when absent (for a
 * message about one value of a repeated key). */
const struct conf_kv *conf_get_kv(const struct conf_section *sec, const char *key);
/* Line of the last occurrence of `key`, or the section's line if absent
 * (or not from the file). */
unsigned conf_line(const struct conf_section *sec, const char *key);

/* What a section may hold.  Lists end with {NULL, 0}. */
#define CONF_KEY_REQUIRED 0x1u /* must be present */
#define CONF_KEY_MULTI 0x2u    /* may be repeated; the values form a list */
/* [source] keys only: does not decide what the source yields (a limit, a
 * timing, the transport), so not part of its origin (source.h). */
#define CONF_KEY_NOT_CONTENT 0x4u
struct conf_key {
	const char *name;
	unsigned flags;
};

/* Refuse a key of `sec` that is in neither list `a` nor `b` (b may be
 * NULL), a single key given twice and a missing required key, each as
 * "FILE:LINE: …" naming `what` (e.g. "[source NAME]").  0 or -1. */
int conf_check_keys(const struct conf_section *sec, const struct conf_key *a,
		    const struct conf_key *b, const char *what, struct err *err);

/* Fill `err` for `key` of `sec`: "FILE:LINE: reason" at the line of that
 * key, or of the section ("FILE: reason" without a section); err->line
 * holds the line.  The arguments may point into err->msg. */
void conf_err_set(struct err *err, const struct conf_section *sec, const char *key, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));
/* The same at line `line` of sec's file (0: "FILE: reason"), for a value
 * of a repeated key. */
void conf_err_at(struct err *err, const struct conf_section *sec, unsigned line, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));
/* The same about `file` itself, for what belongs to no section (the
 * file cannot be read, has no source, …): "FILE:LINE: reason", or
 * "FILE: reason" with line 0. */
void conf_err_file(struct err *err, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
