/* gzip — a file's gzip copy, made the same way every time.
 *
 * publish writes NAME.gz beside each file (publish.h) so that nginx's
 * gzip_static and object stores serve the compressed bytes without
 * compressing again for every consumer.  The copy must not change unless
 * its file does, or an unchanged publication would rewrite it (and move
 * its ETag): the gzip header carries no name and a zero mtime (RFC 1952
 * leaves both optional), and the level is fixed.  The bytes may differ
 * between zlib versions; a publish after an upgrade then rewrites the
 * copies once. */
#ifndef ALLOWSYNC_GZIP_H
#define ALLOWSYNC_GZIP_H

#include "err.h"

#include <stddef.h>

/* The gzip member of `len` bytes at `data` (best compression), malloc'd,
 * its length in *out_len; NULL with err. */
char *gzip_compress(const void *data, size_t len, size_t *out_len, struct err *err);

#endif
