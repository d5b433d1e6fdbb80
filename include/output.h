/* output — where the allowlist goes: the interface every output type
 * (text, postfix, nftables, nft-file…) implements.
 *
 * conf_load creates one struct output per [output NAME], fills the
 * common keys and calls the type's configure().  The run computes the
 * wanted set (union of the output's sources minus `exclude`, merged),
 * asks live() for what is there now (the shrink guard's baseline), then
 * prepare()s every output, and only when all are prepared commit()s them
 * (or abort()s the prepared ones).  Exactly one of commit/abort follows
 * a successful prepare.
 *
 * Common keys handled by conf: type, sources, exclude, on_change,
 * hook_timeout, max_shrink.  A type lists only its own keys in `keys`.
 *
 * Error texts are one line without the output name (the run prefixes
 * `output "NAME": STAGE: `), written to `err`.
 */
#ifndef ALLOWSYNC_OUTPUT_H
#define ALLOWSYNC_OUTPUT_H

#include "err.h"
#include "pset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct conf_section;
struct conf_key;
struct source;

struct output {
	char *name;
	const struct output_type *type;
	const struct conf_section *sec; /* owned by conf */
	struct source **sources;        /* `sources =` resolved; default every source */
	size_t n_sources;
	struct pset *exclude;           /* merged, never NULL */
	char **on_change;               /* argv, NULL-terminated; NULL = no hook */
	uint64_t hook_timeout;          /* seconds */
	unsigned max_shrink;            /* percent ([global] default or override) */
	unsigned max_growth;            /* factor, 0 = none (likewise) */
	u128 max_addresses4;            /* the most the output may grant (likewise) */
	u128 max_addresses6;
	/* Set by configure: what this output writes, unique across outputs
	 * (a path, or e.g. "nft inet filter allowsync4"); conf refuses two
	 * outputs with the same target.  Must live as long as the conf
	 * (e.g. a conf_get() result).  NULL = nothing to compare. */
	const char *target;
	/* The target is the file named by the `path` key (outfile sets it):
	 * conf compares it with its directory canonicalised, and refuses
	 * one inside state_dir (but its lists/ subdirectory), on the lock
	 * or on the configuration file. */
	bool target_is_file;
	/* A second file the output writes beside its target (postfix's
	 * PATH.senders), checked as the target is: no other output may
	 * write it, nor may it sit where a target may not.  NULL = none. */
	const char *also_writes;
	void *priv;                     /* the type's data, freed by type->free */
};

struct output_ctx {
	const char *state_dir;
	bool offline; /* run --offline: re-applying the last good state */
	time_t now;
};

struct output_type {
	const char *name;            /* the `type =` value */
	const struct conf_key *keys; /* type-specific keys, ends with {NULL, 0} */
	/* Read the type's keys (no changes to the system).  0 or -1 + err. */
	int (*configure)(struct output *o, const struct conf_section *sec, struct err *err);
	/* Add what is live now to `live` (merged by the caller).  Nothing
	 * there yet = leave it empty.  0 or -1 + err. */
	int (*live)(struct output *o, const struct output_ctx *ctx, struct pset *live,
		    struct err *err);
	/* Build and validate the new content for `want` (merged) without
	 * making it visible; *changed = whether committing would change what
	 * is live.  0 or -1 + err (then nothing is left behind). */
	int (*prepare)(struct output *o, const struct output_ctx *ctx, const struct pset *want,
		       bool *changed, struct err *err);
	/* Make the prepared content live (atomically).  0 or -1 + err. */
	int (*commit)(struct output *o, const struct output_ctx *ctx, struct err *err);
	/* Drop what prepare built. */
	void (*abort)(struct output *o, const struct output_ctx *ctx);
	/* Write what the output would contain for `want` to f (for `show`);
	 * 0 or -1 (errno set). */
	int (*render)(const struct output *o, const struct pset *want, FILE *f);
	/* Free o->priv (may be NULL). */
	void (*free)(struct output *o);
	/* How the rest of the system uses what the output writes (a
	 * Postfix table inside mynetworks…): `check` and every run call it,
	 * before the output is planned.  0, or -1 + err: the output must not
	 * be written (the run leaves it as it is; check exits 2).  What it
	 * could not inspect it notes in the log, and passes.  NULL: nothing
	 * to inspect. */
	int (*vet)(const struct output *o, struct err *err);
};

#endif
