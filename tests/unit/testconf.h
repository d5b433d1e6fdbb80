/* testconf — configurations in unit tests: written to the scratch
 * directory and loaded, and the reason inside a configuration error.
 *
 * conf's messages read "FILE:LINE: reason" (or "FILE: reason"); checks
 * look for words of the reason, which must not match the path by
 * chance.  Needs cmocka.h included before this header.  Header-only:
 * each test program is one translation unit.
 */
#ifndef ALLOWSYNC_TESTCONF_H
#define ALLOWSYNC_TESTCONF_H

#include "testdir.h"

#include "conf.h"
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The paths of the tests hold no ": ", so the first one ends FILE:LINE. */
static inline const char *
conf_reason(const struct err *e)
{
	const char *p = strstr(e->msg, ": ");

	return p ? p + 2 : e->msg;
}

__attribute__((format(printf, 2, 0))) static inline const char *
test_conf_vwrite(const char *name, const char *fmt, va_list ap)
{
	static char path[sizeof test_dir + 256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", test_dir, name);
	assert_non_null(f = fopen(path, "w"));
	vfprintf(f, fmt, ap);
	fclose(f);
	/* As an administrator's would be: the owner check passes when it runs. */
	chmod(path, 0600);
	return path;
}

/* test_dir/NAME holding the text (printf-style); its path, in a static
 * buffer: use it before the next call.  For the configurations a test
 * expects to be refused. */
__attribute__((format(printf, 2, 3))) static inline const char *
test_conf_write(const char *name, const char *fmt, ...)
{
	const char *path;
	va_list ap;

	va_start(ap, fmt);
	path = test_conf_vwrite(name, fmt, ap);
	va_end(ap);
	return path;
}

/* test_conf_write, then conf_load (no owner check): the configuration,
 * or the running test fails with conf's message. */
__attribute__((format(printf, 2, 3))) static inline struct conf *
test_conf_load(const char *name, const char *fmt, ...)
{
	struct conf *c = NULL;
	struct err err;
	const char *path;
	va_list ap;

	va_start(ap, fmt);
	path = test_conf_vwrite(name, fmt, ap);
	va_end(ap);
	if (conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &c, &err) != 0)
		fail_msg("refused: %s", err.msg);
	return c;
}

#endif
