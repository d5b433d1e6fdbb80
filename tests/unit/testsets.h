/* testsets — address sets written as list text in unit tests.
 *
 * test_list keeps the entries as published (what a source collects and
 * the policy checks); test_set merges them.  A refusal fails the running
 * test with the line and reason.  Header-only: each test program is one
 * translation unit.
 */
#ifndef ALLOWSYNC_TESTSETS_H
#define ALLOWSYNC_TESTSETS_H

#include "parse_text.h"
#include "pset.h"

#include <string.h>

static inline struct pset *
test_list(const char *text)
{
	struct pset *s = pset_new();
	struct err err;

	assert_non_null(s);
	if (parse_text_buf("test", text, strlen(text), s, &err) != 0)
		fail_msg("bad test list, line %zu: %s", err.line, err.msg);
	return s;
}

static inline struct pset *
test_set(const char *text)
{
	struct pset *s = test_list(text);

	assert_int_equal(pset_merge(s), 0);
	return s;
}

#endif
