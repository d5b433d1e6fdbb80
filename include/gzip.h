/* gzip — a file's gzip copy, made the same way every time.
 *
 * publish writes NAME.gz beside each file (publish.h) so that nginx's
 * gzip_static and object stores serve the compressed bytes without
 * compressing again for every consumer.  The copy must not change unless
 * its file does, or an unchanged publication would rewrite it (and move
 * its ETag): the gzip header carries no name and a zero mtime (RFC 1952
 * leaves both optional), and the level is fixed.  (The bytes may differ
 * between zlib versions; gzip_matches keeps an existing copy whichever
 * made it.) */
#ifndef ALLOWSYNC_GZIP_H
#define ALLOWSYNC_GZIP_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

/* The gzip member of `len` bytes at `data` (best compression), malloc'd,
 * its length in *out_len; NULL with err. */
char *gzip_compress(const void *data, size_t len, size_t *out_len, struct err *err);

/* Whether `gz` is one gzip member, and nothing after it, that inflates
 * to exactly the `len` bytes at `data` (false for anything else, a
 * damaged copy included).  Inflating is several times cheaper than
 * compressing: an unchanged file's copy is checked so, and a copy that
 * another zlib version made is kept. */
bool gzip_matches(const void *gz, size_t gz_len, const void *data, size_t len);

#endif
