/* state — what allowsync remembers between runs, under state_dir:
 *
 *   sources/NAME.list    the last good normalized list of a source, with
 *                        when and where from it was obtained, the
 *                        fingerprint of the configuration that produced
 *                        it and the document it was parsed from (text
 *                        header, binary ranges, digest line)
 *   sources/NAME.status  the last attempt: time, error, retry-after,
 *                        whether the last good copy served instead and
 *                        since when it stands in (degraded)
 *   outputs/NAME.status  digest of what was applied, last change, entry
 *                        count, a hook still to run, the last error
 *   run.status           the last run that held the lock (not diff):
 *                        when it started and ended, its exit code
 *   lock                 one run at a time (lock.h)
 *   lists/               the administrator's: the one place in state_dir
 *                        where an output may write (conf refuses an
 *                        output anywhere else in it); allowsync keeps
 *                        nothing of its own there
 *
 * Every file starts with "allowsync-state VERSION KIND" (lists are at
 * version 3, status files at 1; a version 2 list, written before lists
 * had fingerprints, is read with an empty fingerprint: an unknown origin) and a list ends with the digest of its
 * ranges (see state_digest): a corrupt, truncated or foreign-version
 * file is ignored with a warning (as if absent), never trusted, never
 * fatal.
 * Files are written with atomicfile: lists ordered (a power loss may
 * bring back the previous list, never a broken one), status files
 * unsynced (a power loss may empty one: it then reads as no status).
 * See enum atomicfile_sync. */
#ifndef ALLOWSYNC_STATE_H
#define ALLOWSYNC_STATE_H

#include "err.h"
#include "pset.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define STATE_TEXT_MAX 512
#define STATE_DIGEST_HEX 65 /* 32 bytes BLAKE2b, hex, NUL */

/* The subdirectory of state_dir outputs may write into (see above). */
#define STATE_LISTS_DIR "lists"

/* Create state_dir and its subdirectories (0755) if missing. */
int state_init(const char *dir, struct err *err);

#define STATE_FP_MAX 1024 /* a source fingerprint (source.h), NUL */

/* What a last good list says about itself, besides its ranges. */
struct state_list_info {
	time_t when;                    /* obtained (or last confirmed, on load) */
	char origin[STATE_TEXT_MAX];    /* where from, for people: "file /etc/x" */
	/* The fingerprint of the source's configuration that produced it
	 * (source.h); "" = unknown (a list of an older allowsync). */
	char fingerprint[STATE_FP_MAX];
	/* The digest of the document it was parsed from, when the source
	 * keeps documents (url: its cached body); "" = none. */
	char basis[STATE_DIGEST_HEX];
};

/* The last good list of a source.  0 with *set (merged) and *info
 * filled; 1 when there is none (or it was corrupt: warned); -1 ENOMEM. */
int state_list_load(const char *dir, const char *name, struct pset **set,
		    struct state_list_info *info);
int state_list_save(const char *dir, const char *name, const struct pset *set,
		    const struct state_list_info *info, struct err *err);

struct state_source {
	time_t attempt;     /* last collect attempt (0 = never) */
	time_t success;     /* last successful collect */
	time_t retry_after; /* do not ask before this */
	bool partial;       /* the last success was partial */
	char error[STATE_TEXT_MAX]; /* last failure, "" when the last attempt succeeded */
	/* The last good list as last confirmed: its digest, and when a
	 * collect last found the same list (see state_list_keep). */
	char list_digest[STATE_DIGEST_HEX];
	time_t list_confirmed;
	/* The last run that collected it served its last good copy instead
	 * (the attempt failed or Retry-After was pending): degraded. */
	bool stale;
	/* Since when runs have served the last good copy because collecting
	 * failed (max_degraded judges it); 0 once a collect succeeds. */
	time_t degraded_since;
};
/* Missing or corrupt: zeroed (corrupt: warned). */
void state_source_load(const char *dir, const char *name, struct state_source *st);
int state_source_save(const char *dir, const char *name, const struct state_source *st,
		      struct err *err);

/* Keep `set` as the last good list, obtained at info->when: a list equal
 * to the stored one (same digest, which ends the file, same fingerprint
 * and basis, and not dated after info->when) is not written again but
 * confirmed in st (list_digest, list_confirmed), which the caller saves
 * with state_source_save; state_list_load then reports the later of the
 * list's time and its confirmation.  Rewriting an unchanged 100k list
 * every run cost a write and an fsync of megabytes for nothing. */
int state_list_keep(const char *dir, const char *name, const struct pset *set,
		    const struct state_list_info *info, struct state_source *st, struct err *err);

struct state_output {
	char digest[STATE_DIGEST_HEX]; /* of the set applied, "" = none */
	time_t changed;                /* last commit that changed it */
	time_t applied;                /* last time it was brought up to date */
	size_t entries;                /* CIDRs applied */
	bool hook_pending;             /* on_change failed: run it next time */
	char error[STATE_TEXT_MAX];    /* last failure, "" when none */
};
void state_output_load(const char *dir, const char *name, struct state_output *st);
int state_output_save(const char *dir, const char *name, const struct state_output *st,
		      struct err *err);

struct state_run {
	time_t start;  /* 0 = no run recorded */
	time_t end;
	int exit_code; /* what the run exited with (cmd.h) */
};
/* Missing or corrupt: zeroed (corrupt: warned). */
void state_run_load(const char *dir, struct state_run *st);
int state_run_save(const char *dir, const struct state_run *st, struct err *err);

/* Digest of a merged set: hex BLAKE2b-256 of its range counts and
 * ranges in a fixed binary form (big-endian addresses). */
int state_digest(const struct pset *set, char out[STATE_DIGEST_HEX]);

#endif
