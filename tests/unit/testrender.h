/* testrender — what an output's render() writes for a set, as a string
 * (what `show` prints and what the file gets).  Needs cmocka.h included
 * before this header.  Header-only: each test program is one
 * translation unit.
 */
#ifndef ALLOWSYNC_TESTRENDER_H
#define ALLOWSYNC_TESTRENDER_H

#include "output.h"
#include "pset.h"

#include <stdio.h>

/* The bytes, NUL-terminated; free() them. */
static inline char *
test_render(const struct output *o, const struct pset *want)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&mem, &len);

	assert_non_null(m);
	assert_int_equal(o->type->render(o, want, m), 0);
	assert_int_equal(fclose(m), 0);
	return mem;
}

#endif
