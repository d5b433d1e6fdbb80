/* parse_text — the plain-text list reader every source uses.
 *
 * One entry per line (address, prefix or range, see pfx.h); `#` and `;`
 * start comments (whole line or trailing); blank lines, CRLF, a UTF-8
 * BOM, tabs and a last line without newline are accepted.  Any other
 * line refuses the whole input.  Host bits set on a prefix are cleared
 * with a warning naming the input and line.
 */
#ifndef ALLOWSYNC_PARSE_TEXT_H
#define ALLOWSYNC_PARSE_TEXT_H

#include "err.h"
#include "pset.h"

#include <stddef.h>

/* A refusal sets err->line to the line of the input concerned (0 when it
 * concerns the whole input, e.g. an HTML page or a read error) and the
 * message to the reason; the caller adds the input's name. */

/* Does this body look like an HTML page (first non-blank byte is '<')? */
bool looks_like_html(const char *buf, size_t len);

/* Read a whole buffer.  `name` is used in warnings only.  Entries are
 * appended to `out` (unmerged).  0 on success, -1 with *err filled. */
int parse_text_buf(const char *name, const char *buf, size_t len, struct pset *out,
		   struct err *err);

/* Read a file descriptor to its end, streaming (constant memory beyond
 * the set itself). */
int parse_text_fd(const char *name, int fd, struct pset *out, struct err *err);

/* Read a file by path ("-" is stdin). */
int parse_text_file(const char *path, struct pset *out, struct err *err);

#endif
