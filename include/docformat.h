/* docformat — how a fetched or read document becomes prefixes, shared by
 * every source that reads documents (`url`, `file`): transport and format
 * are independent, so a selector can be tried on a downloaded copy.
 *
 * Keys (in the source's section):
 *   format = text | json   text lists (parse_text.h) or JSON documents
 *                          (parse_json.h); default: text, or json when
 *                          `select` is given
 *   select = JSONPATH      RFC 9535 query, repeatable; required for json
 *   sha256 = HEX           pin the document's exact bytes (mirrors)
 *   format = allowsync     a document of `allowsync publish` (pubdoc.h); the
 *                          source's `tags = …` then keeps only the entries
 *                          carrying one of them
 * Whatever the format, a body that looks like HTML is refused as such.
 * Each format is one entry of the table in docformat.c (its name, its
 * parse function, what it takes: selectors, tags, streaming from a
 * file), as each source and output type is.
 */
#ifndef ALLOWSYNC_DOCFORMAT_H
#define ALLOWSYNC_DOCFORMAT_H

#include "err.h"
#include "parse_text.h"
#include "pset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf_section;

/* The keys above, for a source type's key list: { DOCFORMAT_KEYS, … }. */
#define DOCFORMAT_KEYS {"format", 0}, {"select", CONF_KEY_MULTI}, {"sha256", 0}

enum docformat_kind { DOCFORMAT_TEXT, DOCFORMAT_JSON, DOCFORMAT_ALLOWSYNC };

struct docformat;

/* Read format/select/sha256 from `sec` (of source `name`, for messages)
 * and compile the selectors.  NULL with err set via conf_err_set(). */
struct docformat *docformat_new(const char *name, const struct conf_section *sec, struct err *err);
void docformat_free(struct docformat *fmt);

enum docformat_kind docformat_kind(const struct docformat *fmt);

/* A digest of everything that decides what a document yields (format,
 * selectors, pin): a cache made under another configuration must be
 * parsed again rather than trusted. */
uint64_t docformat_fingerprint(const struct docformat *fmt);

/* Check and parse one document; prefixes are appended to `out`.  `name`
 * labels warnings (e.g. the URL or path).  0, or -1 with err filled
 * (err->line: the line of the document, or 0). */
int docformat_parse(const struct docformat *fmt, const char *name, const char *buf, size_t len,
		    bool allow_empty, struct pset *out, struct err *err);

/* The same for a local file (`file` sources).  A plain text list without
 * a sha256 pin is streamed (constant memory); anything else is read
 * whole, refused beyond `max_body` bytes. */
int docformat_parse_file(const struct docformat *fmt, const char *path, uint64_t max_body,
			 bool allow_empty, struct pset *out, struct err *err);

#endif
