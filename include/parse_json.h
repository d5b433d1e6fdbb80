/* parse_json — strict reading of a JSON range document and extraction of
 * its prefixes with RFC 9535 JSONPath selectors (jsonpath.h).
 *
 * Refused before cJSON sees the body: an HTML page, NUL bytes, invalid
 * UTF-8 and nesting deeper than PARSE_JSON_MAX_DEPTH; after parsing:
 * anything but blanks after the value, and an object with two members of
 * the same name, at any depth (compared with escapes decoded: "a" and
 * "\u0061" are one name), of which cJSON would keep both — "column 17:
 * duplicate key \"prefixes\"" with err->line 3, the first repeated name
 * in the text.  Every JSON document the program reads goes through these
 * checks (parse_json_buf for `format = json`, parse_json_doc_new for
 * pubdoc).
 *
 * Every node a selector selects must be a string holding an address,
 * prefix or range (pfx.h); anything else refuses the whole document,
 * naming the node's normalized path.  A selector that selects nothing
 * refuses the document unless allow_empty (a renamed key must not read as
 * an empty list).
 */
#ifndef ALLOWSYNC_PARSE_JSON_H
#define ALLOWSYNC_PARSE_JSON_H

#include "err.h"
#include "parse_text.h"
#include "pset.h"

#include <stdbool.h>
#include <stddef.h>

struct jsonpath;
struct cJSON;
struct parse_json_doc;

/* Arrays and objects nested deeper than this refuse the document; range
 * documents nest 4 or 5 levels. */
#define PARSE_JSON_MAX_DEPTH 64

/* Check and parse `buf`, apply every selector of `sel` in turn and append
 * the prefixes to `out` (unmerged).  `name` labels warnings (host bits
 * set).  0, or -1 with err filled (err->line is the line of a syntax
 * error, else 0). */
int parse_json_buf(const char *name, const char *buf, size_t len, struct jsonpath *const *sel,
		   size_t nsel, bool allow_empty, struct pset *out, struct err *err);

/* Only the checks before and during parsing (no selectors): 0 or -1 with
 * err.  For callers that want to know whether a body is a JSON document. */
int parse_json_check(const char *buf, size_t len, struct err *err);

/* The same checks, keeping the tree for a reader that walks it itself
 * (pubdoc): NULL with err (err->line as above), or the document, whose
 * tree (parse_json_doc_root) lives until parse_json_doc_free. */
struct parse_json_doc *parse_json_doc_new(const char *buf, size_t len, struct err *err);
const struct cJSON *parse_json_doc_root(const struct parse_json_doc *d);
void parse_json_doc_free(struct parse_json_doc *d);

#endif
