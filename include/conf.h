/* conf — the configuration file: generic sections and the typed result.
 *
 * The file is INI (libinih): `[global]`, `[source NAME]`, `[output NAME]`,
 * `[publish]`.  Every section is first stored generically (struct
 * conf_section: its key/value pairs in file order, with line numbers);
 * then conf_load checks each against the keys it may hold and builds
 * the typed struct conf.  Common source/output keys are handled here,
 * type-specific keys by the type's configure() (see source.h, output.h),
 * which reads them with conf_get()/conf_get_all() and reports problems
 * with conf_err_set() so the message reads `FILE:LINE: reason`.
 *
 * Value parsers return NULL on success or a static reason string.
 */
#ifndef ALLOWSYNC_CONF_H
#define ALLOWSYNC_CONF_H

#include "err.h"
#include "output.h"
#include "source.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_kind { CONF_GLOBAL, CONF_SOURCE, CONF_OUTPUT, CONF_PUBLISH };

/* One key with all its values (a key given several times keeps every
 * value, in order; whether that is allowed is the key's flag). */
struct conf_kv {
	char *key;
	char **values;
	unsigned *lines;
	size_t n;
};

struct conf_section {
	enum conf_kind kind;
	char *name;         /* NAME of [source NAME]; NULL for global/publish */
	const char *file;   /* the file it was read from (owned by struct conf) */
	unsigned line;      /* line of the [section] header */
	struct conf_kv *kv; /* in order of first appearance */
	size_t n_kv;
};

/* What a section may hold.  Lists end with {NULL, 0}. */
#define CONF_KEY_REQUIRED 0x1u /* must be present */
#define CONF_KEY_MULTI 0x2u    /* may be repeated; the values form a list */
struct conf_key {
	const char *name;
	unsigned flags;
};

/* Last value of `key`, or NULL when absent. */
const char *conf_get(const struct conf_section *sec, const char *key);
/* All values of `key` in order; *values points into the section.
 * Returns the count (0 and *values = NULL when absent). */
size_t conf_get_all(const struct conf_section *sec, const char *key,
		    const char *const **values);
/* Line of the last occurrence of `key`, or the section's line if absent. */
unsigned conf_line(const struct conf_section *sec, const char *key);

/* Every value of `key` split on blanks and commas, as one NULL-terminated
 * array of fresh strings (free with conf_words_free).  *n gets the count.
 * Returns NULL only on ENOMEM; an absent key gives an empty array. */
char **conf_get_words(const struct conf_section *sec, const char *key, size_t *n);
void conf_words_free(char **words);

/* Every prefix of every `key` line (separated by blanks and commas) added
 * to `set`, which is then merged.  -1 with err at the line of the bad
 * entry: "[WHAT] KEY: \"ENTRY\": reason" (WHAT: "source NAME"...). */
int conf_get_prefixes(const struct conf_section *sec, const char *key, const char *what,
		      struct pset *set, struct err *err);

/* Fill `err` for `key` of `sec`: "FILE:LINE: reason" at the line of that
 * key, or of the section ("FILE: reason" without a section); err->line
 * holds the line.  The arguments may point into err->msg. */
void conf_err_set(struct err *err, const struct conf_section *sec, const char *key, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));
/* The same at line `line` of sec's file (0: "FILE: reason"), for a value
 * of a repeated key. */
void conf_err_at(struct err *err, const struct conf_section *sec, unsigned line, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

/* Strict value parsers: NULL on success, else a reason. */
/* Seconds: "0", "90", "90s", "90m", "3h", "7d", "2w". */
const char *conf_parse_duration(const char *s, uint64_t *secs);
/* Bytes: "512", "512k", "16M", "1G" (powers of 1024; K/k, M/m, G/g). */
const char *conf_parse_size(const char *s, uint64_t *bytes);
/* yes/no/true/false/on/off/1/0, case-insensitive. */
const char *conf_parse_bool(const char *s, bool *v);
/* "50%" or "50", 0..100. */
const char *conf_parse_percent(const char *s, unsigned *pct);
/* Decimal, no sign, 0..max. */
const char *conf_parse_uint(const char *s, uint64_t max, uint64_t *v);

/* Defaults (DESIGN.md). */
#define CONF_DEFAULT_STATE_DIR "/var/lib/allowsync"
#define CONF_DEFAULT_TIMEOUT 60
#define CONF_DEFAULT_MAX_BODY (16u << 20)
#define CONF_DEFAULT_MIN_PREFIX4 12
#define CONF_DEFAULT_MIN_PREFIX6 28
#define CONF_DEFAULT_MAX_ENTRIES 50000
#define CONF_DEFAULT_MAX_SHRINK 50
#define CONF_DEFAULT_MAX_STALE (7 * 86400)
#define CONF_DEFAULT_HOOK_TIMEOUT 60
#define CONF_HARD_FLOOR4 8
#define CONF_HARD_FLOOR6 16

/* The parsed, checked configuration. */
struct conf {
	char *path;
	struct conf_section **secs; /* every section, in file order */
	size_t n_secs;

	/* [global] */
	char *state_dir;
	struct source_limits limits; /* the defaults every source starts from */
	unsigned max_shrink;         /* percent, the default of every output */
	uint64_t hook_timeout;       /* seconds, the default of every output */
	char **dns_servers;          /* ADDR[:PORT]; NULL-terminated, may be empty */
	size_t n_dns_servers;

	struct source **sources; /* in file order */
	size_t n_sources;
	struct output **outputs;
	size_t n_outputs;

	/* [publish], kept raw for the publisher (NULL when absent). */
	const struct conf_section *publish;
};

/* conf_load flags */
#define CONF_LOAD_NO_OWNER_CHECK 0x1u /* skip the root-owned/not-writable check */

/* Read and check `path`.  0 with *out set, or -1 with err holding
 * "FILE:LINE: reason" (or "FILE: reason").
 * When running as root, a file not owned by root or writable by group
 * or others is refused (unless CONF_LOAD_NO_OWNER_CHECK).
 * `preset = NAME` in a [source] takes the keys of [source NAME] of the
 * presets file ($ALLOWSYNC_PRESETS, else ALLOWSYNC_DATADIR/presets.conf)
 * that the section does not set itself. */
int conf_load(const char *path, unsigned flags, struct conf **out, struct err *err);
void conf_free(struct conf *c);

struct source *conf_find_source(const struct conf *c, const char *name);
struct output *conf_find_output(const struct conf *c, const char *name);

#endif
