/* testconf — the reason inside a configuration error.
 *
 * conf's messages read "FILE:LINE: reason" (or "FILE: reason"); checks
 * look for words of the reason, which must not match the path by
 * chance.  Header-only: each test program is one translation unit.
 */
#ifndef ALLOWSYNC_TESTCONF_H
#define ALLOWSYNC_TESTCONF_H

#include "err.h"

#include <string.h>

/* The paths of the tests hold no ": ", so the first one ends FILE:LINE. */
static inline const char *
conf_reason(const struct err *e)
{
	const char *p = strstr(e->msg, ": ");

	return p ? p + 2 : e->msg;
}

#endif
