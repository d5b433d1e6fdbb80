/* url — what of a URL may be shown, and where credentials may go.
 *
 * A URL can carry secrets: userinfo (`https://user:password@host/`),
 * which a url source refuses outright, and query-string tokens
 * (`?token=…`), which it must send.  Every URL that reaches a message,
 * `status`, the state directory or a cache meta file goes through
 * url_redact first: userinfo becomes "REDACTED@" and every query
 * parameter's value becomes "REDACTED" (`?token=REDACTED&v=REDACTED`; a
 * parameter without '=' is replaced whole).  The scheme, host, port,
 * path and fragment stay, so the message still names the document.
 */
#ifndef ALLOWSYNC_URL_H
#define ALLOWSYNC_URL_H

#include <stdbool.h>
#include <stddef.h>

#define URL_REDACTED "REDACTED"

/* `url` with its secrets replaced, in buf (always NUL-terminated,
 * truncated to n - 1 bytes).  Returns buf. */
char *url_redact(const char *url, char *buf, size_t n);

/* Every URL ("scheme://…" up to a blank or a quote) inside the one-line
 * text `msg`, redacted in place (within msg's n bytes). */
void url_redact_text(char *msg, size_t n);

/* The URL has userinfo (an '@' before the end of its authority). */
bool url_has_userinfo(const char *url);

/* a and b have the same scheme, host and port (compared as written,
 * case-insensitively): where credentials meant for a may also go. */
bool url_same_origin(const char *a, const char *b);

#endif
