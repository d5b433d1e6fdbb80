/* source — where prefixes come from: the interface every source type
 * (static, file, url, spf…) implements.
 *
 * conf_load creates one struct source per [source NAME], fills the
 * common keys (type, preset, tags and the limits below, defaults from
 * [global]) and calls the type's configure() with the section so it can
 * read its own keys.  The run then calls collect() once per run; the
 * pipeline (run.c), not the type, applies the policy to the result,
 * keeps the last good copy and falls back to it.
 *
 * Type-specific keys are read with confkv.h and confval.h (the file as
 * written and what its values mean), never through conf.h.
 *
 * Common keys handled by conf: type, preset, tags, timeout, max_body,
 * min_prefix4, min_prefix6, max_entries, max_stale, max_degraded,
 * allow_special, allow_empty, ca_file.  A type lists only its own keys in `keys`.
 *
 * The origin of a source is everything in its section that decides what
 * it yields; conf_load records it in `fingerprint`, and a last good copy
 * serves only the origin that produced it (run.c).  It is computed over
 * the section as written once the preset is applied: every key counts
 * but those whose table entry is flagged CONF_KEY_NOT_CONTENT (limits,
 * timings, transport: timeout, max_body, the floors, max_entries,
 * max_stale, max_degraded, allow_special, allow_empty, ca_file, preset — its keys
 * count, its name does not —, url's proxy and refresh, spf's spf_partial
 * and spf_max_lookups).  A key a type adds counts unless flagged so: a
 * forgotten flag costs a refetch, never a wrong copy served.
 */
#ifndef ALLOWSYNC_SOURCE_H
#define ALLOWSYNC_SOURCE_H

#include "err.h"
#include "pset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct conf_section;
struct conf_key;

/* Per-source limits: [global] values, overridable in each [source]. */
struct source_limits {
	uint64_t timeout;   /* seconds, whole collect */
	uint64_t max_body;  /* bytes */
	int min_prefix4;    /* refuse broader IPv4 prefixes (>= CONF_HARD_FLOOR4) */
	int min_prefix6;    /* (>= CONF_HARD_FLOOR6) */
	uint64_t max_entries; /* CIDRs in the minimal cover, both families */
	u128 max_addresses4; /* the most addresses the merged set may grant */
	u128 max_addresses6;
	uint64_t max_stale; /* seconds a last good copy may serve */
	/* seconds the source may be served from its last good copy before
	 * the run fails (exit 1 instead of 3); 0 = never */
	uint64_t max_degraded;
	bool allow_special; /* allow IANA special-purpose ranges */
	bool allow_empty;   /* an empty result is acceptable */
	const char *ca_file; /* extra CA bundle, NULL = the system's (owned by conf) */
};

#define SOURCE_FINGERPRINT_MAX 1024

struct source {
	char *name;
	const struct source_type *type;
	struct source_limits limits;
	const struct conf_section *sec; /* the [source NAME] section (owned by conf) */
	char **tags;                    /* `tags =` words, NULL-terminated */
	size_t n_tags;
	void *priv;                     /* the type's data, freed by type->free */
	/* The origin (see above): "KEY=DIGEST …", one per content key in
	 * the order of their names, DIGEST a 64-bit BLAKE2b of the key's
	 * values in order, as hex; see source_fingerprint_diff. */
	char fingerprint[SOURCE_FINGERPRINT_MAX];
};

/* Fill src->fingerprint from `sec` (the preset applied) with the keys of
 * `common` and src->type->keys.  0, or -1 with err. */
int source_fingerprint(struct source *src, const struct conf_section *sec,
		       const struct conf_key *common, struct err *err);

/* The keys whose digests differ between two fingerprints (present in
 * one only, or with other values), comma separated, into buf ("" when
 * none).  Returns buf. */
char *source_fingerprint_diff(const char *a, const char *b, char *buf, size_t n);

/* What a collect() may use. */
struct http_share;

struct source_ctx {
	const char *state_dir;          /* types may keep caches under it, named by source */
	const char *const *dns_servers; /* [global] dns_server, NULL-terminated (may be empty) */
	size_t n_dns_servers;
	time_t now;
	/* diff, show, why: look only — collect() writes nothing under
	 * state_dir (no cache, no signature state), as they promise. */
	bool dry_run;
	/* What the run's HTTPS requests share (http.h); NULL: nothing. */
	struct http_share *http_share;
};

#define SOURCE_ORIGIN_MAX 512

/* What a collect() produced.  The caller zeroes it and gives a fresh,
 * empty `set`. */
struct source_result {
	struct pset *set;   /* fill with the prefixes (unmerged is fine) */
	char origin[SOURCE_ORIGIN_MAX]; /* where from: "https://…", "file /etc/x" */
	/* The document has not changed since the last good copy (HTTP 304 or
	 * a cache younger than `refresh`): leave `set` empty; the run reuses
	 * the last good list from the state directory (and refreshes its age). */
	bool not_modified;
	/* The digest (hex BLAKE2b-256) of the document the set was parsed
	 * from, for a source that keeps documents (url): recorded with the
	 * last good copy so that a later not_modified is told only about
	 * that same document.  "" for the others. */
	char basis[65];
	/* The set lacks something it should hold (e.g. spf_partial): it is
	 * applied, the run is degraded, and it may not shrink any output.
	 * collect's err may say what is missing (one line). */
	bool partial;
	/* The publisher asked to wait (429/503 Retry-After): absolute time;
	 * until then the run serves the last good copy without calling collect. */
	time_t retry_after;
};

struct source_type {
	const char *name;            /* the `type =` value */
	const struct conf_key *keys; /* type-specific keys, ends with {NULL, 0} */
	/* collect() reads only what this host holds (the configuration, a
	 * local file), never the network: content the operator owns.  Only
	 * such sources may make up the publisher's inventory ([publish]
	 * sources, publish.h). */
	bool local;
	/* Read the type's keys from `sec` into src->priv.  No I/O beyond what
	 * checking the configuration needs (never the network).  0, or -1
	 * with err filled via conf_err_set(). */
	int (*configure)(struct source *src, const struct conf_section *sec, struct err *err);
	/* Fetch and parse.  0 (res->set filled, or not_modified), or -1 with
	 * err saying why in one line, without the source name (the run
	 * prefixes it; res->retry_after may be set too).  The caller clears
	 * err first. */
	int (*collect)(struct source *src, const struct source_ctx *ctx, struct source_result *res,
		       struct err *err);
	/* Free src->priv (may be NULL: configure failed or never ran). */
	void (*free)(struct source *src);
};

#endif
