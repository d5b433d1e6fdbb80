/* conf — the typed configuration: [global], the sources and the outputs.
 *
 * The file is INI (libinih): `[global]`, `[source NAME]`, `[output NAME]`,
 * `[publish]`.  confkv reads it into generic sections (their key/value
 * pairs in file order, with line numbers); conf_load then checks each
 * against the keys it may hold and builds the typed struct conf.  Common
 * source/output keys are handled here, type-specific keys by the type's
 * configure() (see source.h, output.h), which reads them with confkv's
 * and confval's getters and reports problems with conf_err_set() so the
 * message reads `FILE:LINE: reason`.
 *
 * [publish] is kept raw: the publisher checks it (publish.h), for every
 * command (run_load_conf, run.h, or publish_conf_load).
 */
#ifndef ALLOWSYNC_CONF_H
#define ALLOWSYNC_CONF_H

#include "err.h"
#include "output.h"
#include "source.h"

#include <stddef.h>
#include <stdint.h>

struct conf_section; /* confkv.h */

/* Defaults (DESIGN.md). */
#define CONF_DEFAULT_STATE_DIR "/var/lib/allowsync"
#define CONF_DEFAULT_TIMEOUT 60
#define CONF_DEFAULT_MAX_BODY (16u << 20)
#define CONF_DEFAULT_MIN_PREFIX4 12
#define CONF_DEFAULT_MIN_PREFIX6 28
#define CONF_DEFAULT_MAX_ENTRIES 50000
#define CONF_DEFAULT_MAX_SHRINK 50
#define CONF_DEFAULT_MAX_GROWTH 10
/* As many addresses as a /5 and an IPv6 /24: the reasons are in
 * allowsync.conf(5), max_addresses4. */
#define CONF_DEFAULT_MAX_ADDRESSES4 ((u128)1 << 27)
#define CONF_DEFAULT_MAX_ADDRESSES6 ((u128)1 << 104)
#define CONF_DEFAULT_MAX_STALE (7 * 86400)
/* Past half of max_stale's default: days left to act before the copy
 * may no longer serve (allowsync.conf(5), max_degraded). */
#define CONF_DEFAULT_MAX_DEGRADED (3 * 86400)
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
	unsigned max_growth;         /* factor (0 = none), the default of every output */
	uint64_t hook_timeout;       /* seconds, the default of every output */
	char **dns_servers;          /* ADDR[:PORT]; NULL-terminated, may be empty */
	size_t n_dns_servers;
	char *metrics_file;          /* Prometheus text file of each run; NULL = none */
	uint64_t splay;              /* seconds: run's longest random wait (splay.h), 0 = none */

	struct source **sources; /* in file order */
	size_t n_sources;
	struct output **outputs;
	size_t n_outputs;

	/* [publish], kept raw for the publisher (NULL when absent). */
	const struct conf_section *publish;
};

/* conf_load flags */
#define CONF_LOAD_NO_OWNER_CHECK 0x1u /* skip the root-owned/not-writable checks */

/* Read and check `path` ([publish] aside, see above).  0 with *out set,
 * or -1 with err holding "FILE:LINE: reason" (or "FILE: reason").
 * When running as root, a file not owned by root or writable by group
 * or others is refused, and so are such a directory holding it and such
 * a state_dir (unless CONF_LOAD_NO_OWNER_CHECK).  Always: two file
 * outputs on one file (paths compared with their directory
 * canonicalised), or one on the configuration file, on the lock or
 * inside state_dir but below its lists/ subdirectory.
 * `preset = NAME` in a [source] takes the keys of [source NAME] of the
 * presets file ($ALLOWSYNC_PRESETS, else ALLOWSYNC_DATADIR/presets.conf)
 * that the section does not set itself. */
int conf_load(const char *path, unsigned flags, struct conf **out, struct err *err);
void conf_free(struct conf *c);

/* Every preset of the presets file (preset.h) as a source of its own,
 * named as the preset, with `base`'s [global] (its state_dir, DNS
 * servers and limits; NULL: the defaults) and the preset's overrides:
 * what `triage` checks a log's clients against.  No outputs.  0 with
 * *out set, or -1 with err ("FILE:LINE: reason" about the presets
 * file). */
int conf_load_presets(const struct conf *base, struct conf **out, struct err *err);

struct source *conf_find_source(const struct conf *c, const char *name);
struct output *conf_find_output(const struct conf *c, const char *name);

#endif
