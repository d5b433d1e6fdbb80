/* jsonpath — RFC 9535 JSONPath queries over cJSON documents.
 *
 * A query is compiled once (jsonpath_compile, with a reason on a syntax
 * or type error) and evaluated against any number of documents.  The
 * whole RFC 9535 grammar is accepted: name, wildcard, index, slice and
 * filter selectors, unions, child and descendant segments, filters with
 * comparisons, &&, ||, !, parentheses, relative (@) and absolute ($)
 * queries, existence tests (nested filters too) and the five standard
 * functions length(), count(), value(), match(), search().
 *
 * Limits: match()/search() translate I-Regexp (RFC 9485) to POSIX
 * extended regular expressions over UTF-8 bytes; Unicode property
 * classes (\p{…}), non-ASCII class ranges and negated classes with
 * non-ASCII members are not supported (the function is then false).
 * Numbers compare as doubles, as cJSON stores them.
 *
 * Evaluation allocates nothing: results are handed to a callback in
 * nodelist order.  Normalized paths are computed on demand
 * (jsonpath_node_path) because only error messages need them.
 */
#ifndef ALLOWSYNC_JSONPATH_H
#define ALLOWSYNC_JSONPATH_H

#include "err.h"

#include <stddef.h>

struct cJSON;
struct jsonpath;

/* Compile `text` (NUL-terminated UTF-8).  NULL on refusal, with err
 * saying "at character N: reason" (or "out of memory"). */
struct jsonpath *jsonpath_compile(const char *text, struct err *err);
void jsonpath_free(struct jsonpath *jp);

/* The text the query was compiled from. */
const char *jsonpath_text(const struct jsonpath *jp);

/* Called once per selected node, in nodelist order.  A non-zero return
 * stops the evaluation and is returned by jsonpath_eval. */
typedef int (*jsonpath_fn)(void *ctx, const struct cJSON *node);

/* Evaluate against the document `root`.  0 when every node was visited. */
int jsonpath_eval(const struct jsonpath *jp, const struct cJSON *root, jsonpath_fn fn,
		  void *ctx);

/* Number of nodes the query selects (duplicates counted). */
size_t jsonpath_count(const struct jsonpath *jp, const struct cJSON *root);

/* The normalized path of `node` inside `root` (RFC 9535 2.7), e.g.
 * $['values'][3]['properties']['addressPrefixes'][0].  Returns the
 * length it needs (like snprintf; `buf` is truncated to `size`), 0 when
 * `node` is not in the document. */
size_t jsonpath_node_path(const struct cJSON *root, const struct cJSON *node, char *buf,
			  size_t size);

#endif
