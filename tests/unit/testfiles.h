/* testfiles — reading the repository's fixtures from unit tests.
 *
 * FIXTURES names the fixtures directory (make passes it); the default is
 * tests/fixtures, relative to the top of the repository, where make runs
 * the tests.  Header-only: each test
 * program is one translation unit.
 */
#ifndef ALLOWSYNC_TESTFILES_H
#define ALLOWSYNC_TESTFILES_H

#include <stdio.h>
#include <stdlib.h>

/* The path of a fixture (static buffer: use it before the next call). */
static inline const char *
test_fixture(const char *rel)
{
	static char path[4096];
	const char *dir = getenv("FIXTURES");
	snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/fixtures", rel);
	return path;
}

/* A whole file, NUL-terminated, in a malloc'd buffer; *len its size.
 * Fails the running test if it cannot be read. */
static inline char *
test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif
