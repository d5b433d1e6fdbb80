/* pubdoc — the published range document: build it, render it, read it.
 *
 * The document has the shape of AWS's ip-ranges.json so that existing
 * consumers read it unchanged, plus `serial` and `expires`, and `tags`
 * on every entry:
 *
 *   {
 *     "syncToken": "1764280000",
 *     "createDate": "2026-11-27-21-46-40",
 *     "serial": 1764280000,
 *     "expires": "2026-12-04-21-46-40",
 *     "prefixes": [
 *       {
 *         "ip_prefix": "198.51.100.7/32",
 *         "tags": ["dedicated"]
 *       }
 *     ],
 *     "ipv6_prefixes": [
 *       {
 *         "ipv6_prefix": "2001:db8::/48",
 *         "tags": []
 *       }
 *     ]
 *   }
 *
 * Dates are UTC, in AWS's "YYYY-MM-DD-hh-mm-ss" form; syncToken is the
 * serial as a string.  Entries are the minimal CIDR cover of the
 * inventory, split where the tags change, in address order; rendering
 * is deterministic, so an unchanged inventory renders to the same bytes.
 */
#ifndef ALLOWSYNC_PUBDOC_H
#define ALLOWSYNC_PUBDOC_H

#include "err.h"
#include "parse_text.h"
#include "pset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Distinct tags one inventory may carry. */
#define PUBDOC_MAX_TAGS 64
/* A tag: letters, digits, '.', '_', '-', ':' — at most this long. */
#define PUBDOC_TAG_MAX 64

/* One part of the inventory: a source's prefixes and its tags. */
struct pubdoc_input {
	const struct pset *set; /* merged */
	const char *const *tags;
	size_t n_tags;
};

struct pubdoc_entry {
	enum pfx_family fam;
	u128 addr;
	int len;
	uint64_t tags; /* bit i: inv->tags[i] */
};

struct pubdoc_inv {
	char **tags; /* sorted, distinct */
	size_t n_tags;
	struct pubdoc_entry *e; /* IPv4 first, then IPv6, each in address order */
	size_t n;
	struct pset *all; /* every address of the inventory, merged */
};

struct pubdoc_meta {
	uint64_t serial;
	int64_t created; /* Unix time */
	int64_t expires;
};

/* NULL when the tag is acceptable, else why not. */
const char *pubdoc_tag_check(const char *tag);

/* Build the inventory from its parts.  NULL with err on failure. */
struct pubdoc_inv *pubdoc_inv_new(const struct pubdoc_input *in, size_t n, struct err *err);
void pubdoc_inv_free(struct pubdoc_inv *inv);

/* The JSON document (malloc'd, NUL-terminated); NULL on ENOMEM. */
char *pubdoc_json(const struct pubdoc_inv *inv, const struct pubdoc_meta *m, size_t *len);

/* The plain list of one family: the minimal CIDR cover, one a line. */
char *pubdoc_text(const struct pubdoc_inv *inv, enum pfx_family fam, size_t *len);

/* "2026-11-27-21-46-40"; and back (-1 when malformed). */
void pubdoc_date(int64_t t, char buf[24]);
int pubdoc_date_parse(const char *s, int64_t *t);

/* Both readers below take the document through parse_json's strict
 * checks (parse_json_doc_new): invalid UTF-8, a NUL, a duplicate key…
 * refuse it, err->line saying on which line.
 *
 * Read serial, createDate and expires of an existing document.  0, or
 * -1 with the reason in err. */
int pubdoc_meta_parse(const char *buf, size_t len, struct pubdoc_meta *m, struct err *err);

/* Read a published document (`format = allowsync`): every entry, or with
 * n_tags > 0 only the entries carrying at least one of `tags`, added to
 * `out`.  A document whose `expires` is at or before `now` is refused
 * (now = 0 skips that check).  0, or -1 with a reason in err. */
int pubdoc_parse(const char *buf, size_t len, const char *const *tags, size_t n_tags, time_t now,
		 struct pset *out, struct err *err);

/* pubdoc_parse for docformat (`format = allowsync`): the current time,
 * and no entries without allow_empty is an error too. */
int pubdoc_parse_doc(const char *buf, size_t len, const char *const *tags, size_t n_tags,
		     bool allow_empty, struct pset *out, struct err *err);

#endif
