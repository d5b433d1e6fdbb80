/* authfile — the credentials of a url source, kept out of the
 * configuration (`auth_file = PATH`).
 *
 * The file holds one line, either
 *   user:password               sent as HTTP Basic (the password may hold ':')
 *   Authorization: SCHEME TOKEN sent as that header (Bearer, token…)
 * and nothing else but blank lines.  It must be a regular file owned by
 * root or the running user with no permission for group or others (mode
 * 0600 or 0400): a readable secret is refused, as ssh refuses a readable
 * private key.  It is read at collect time, just before the request, so
 * a rotated secret needs no reload; its content never reaches a
 * message (the messages name the file and what is wrong with its form,
 * never its bytes), the state directory or the cache.
 */
#ifndef ALLOWSYNC_AUTHFILE_H
#define ALLOWSYNC_AUTHFILE_H

#include "err.h"
#include "http.h"

/* At most this many bytes. */
#define AUTHFILE_MAX 4096

/* The checks that need no reading: it exists, is a regular file, with
 * the owner and mode above.  0, or -1 with err ("PATH: why"). */
int authfile_check(const char *path, struct err *err);

/* Read and parse it into *out (release with http_auth_clear).  0, or -1
 * with err ("PATH: why"). */
int authfile_read(const char *path, struct http_auth *out, struct err *err);

/* The parse alone, of `len` bytes of text.  NULL on success, else why. */
const char *authfile_parse(const char *text, size_t len, struct http_auth *out);

#endif
