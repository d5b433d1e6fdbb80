/* publish — the publisher's side: `[publish]` turns an inventory into the
 * files recipients consume.
 *
 *   [publish]
 *   sources = dedicated shared   ; static/file sources (default: all of them)
 *   dir = /var/www/ranges        ; must exist
 *   name = relay                 ; file stem: letters, digits, '.', '_', '-'
 *   sign_key = /etc/allowsync/publish.key   ; optional, minisign secret key
 *   spf_domain = spf.example.com ; optional
 *   spf_ttl = 1h                 ; TTL of the SPF records
 *   valid_for = 7d               ; how long a signed document stays valid
 *   gzip = yes                   ; NAME.gz beside each file
 *
 * Files in dir: NAME.json (pubdoc.h), NAME-v4.txt, NAME-v6.txt (plain
 * lists), NAME.json.minisig with sign_key, NAME.spf.zone with spf_domain
 * (spfzone.h).  Each is replaced atomically and only when its bytes
 * change.  With gzip (the default) each has its gzip copy beside it,
 * FILE.gz (gzip.h), for nginx's gzip_static and object stores: written
 * with its file, before it, dated as it (see publish_commit).  The serial moves only when the inventory changes, or when
 * less than half of valid_for is left before the document expires (it
 * is then re-issued with a new serial and expiry, so that consumers never
 * see it expire while the publisher runs regularly).  A new serial is
 * max(previous + 1, now): it keeps growing even if the directory is lost.
 */
#ifndef ALLOWSYNC_PUBLISH_H
#define ALLOWSYNC_PUBLISH_H

#include "conf.h"
#include "err.h"
#include "minisign.h"
#include "pubdoc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PUBLISH_DEFAULT_VALID_FOR (7 * 86400)
#define PUBLISH_DEFAULT_SPF_TTL 3600

struct publish_conf {
	/* Strings point into the configuration (owned by struct conf). */
	const char *dir;
	const char *name;
	const char *sign_key;   /* NULL: unsigned */
	const char *spf_domain; /* NULL: no SPF zone */
	uint32_t spf_ttl;
	uint64_t valid_for;
	bool gzip;              /* write FILE.gz beside each file */
	struct source **sources; /* malloc'd array of pointers into the conf */
	size_t n_sources;
};

/* Read and check [publish] of `c` (absent: an error).  0 or -1 with err. */
int publish_conf_load(const struct conf *c, struct publish_conf *pc, struct err *err);
void publish_conf_clear(struct publish_conf *pc);

/* publish_conf_load without keeping anything: a bad [publish] (when
 * there is one) is refused as any other configuration error, by every
 * command (run_load_conf calls it after conf_load).  0 or -1 with err. */
int publish_conf_check(const struct conf *c, struct err *err);

enum publish_file_kind {
	PUBLISH_JSON,
	PUBLISH_V4,
	PUBLISH_V6,
	PUBLISH_SPF,
	PUBLISH_SIG,
	PUBLISH_NFILES,
};

struct publish_file {
	char *path; /* NULL: not published (no key, no spf_domain) */
	char *data;
	size_t len;
	bool changed; /* differs from what is on disk */
	char *gz_path; /* PATH.gz (set by publish_plan) */
	char *gz;      /* the copy's bytes when it is to be written, else NULL */
	size_t gz_len;
	/* gzip: the copy is to be written (its file is, or it is missing or
	 * does not inflate to the file); without: a copy is there, to be
	 * removed before its file changes */
	bool gz_changed;
};

struct publish_plan {
	struct publish_file f[PUBLISH_NFILES];
	struct pubdoc_meta meta;
	bool new_serial;     /* the document is re-issued */
	uint64_t old_serial; /* 0 when there was none */
	size_t n_spf_records;
};

/* Everything to write for `inv`, compared with what dir holds: reads the
 * current NAME.json to keep its serial when nothing changed.  `sk` signs
 * when not NULL.  0, or -1 with err. */
int publish_plan(const struct publish_conf *pc, const struct pubdoc_inv *inv,
		 const struct minisign_sk *sk, time_t now, struct publish_plan *p, struct err *err);

/* Write the changed files (JSON before its signature), each file's .gz
 * copy just before the file (pc->gzip): a client asking for gzip may see
 * the new content a moment before one asking for none, but never an old
 * copy beside a newer file.  The copy takes the file's mtime, so that
 * both carry one Last-Modified.  Without gzip, a copy is removed before
 * its file changes.  0 or -1 + err. */
int publish_commit(const struct publish_conf *pc, const struct publish_plan *p, struct err *err);
void publish_plan_free(struct publish_plan *p);

/* Collect the inventory of pc's sources (collect + policy).  NULL with
 * err (naming the source) when any fails: a publisher never publishes
 * a partial or stale inventory. */
struct pubdoc_inv *publish_collect(const struct conf *c, const struct publish_conf *pc, time_t now,
				   struct err *err);

#endif
